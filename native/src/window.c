/* Maps segments into a shared WASM memory by the measured rules (ARCHITECTURE.md): shared
 * memories only, page-aligned inside the committed buffer, always read-write, never munmap,
 * and the memory's buffer strongly referenced for as long as a window exists. */
#include "window.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "args.h"
#include "layout.generated.h"
#include "segment.h"
#include "state.h"

bool window_view(napi_env env, napi_value value, memory_view *view) {
  bool is_typed;
  bool is_plain;
  napi_typedarray_type type;
  void *data;
  size_t offset;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok) return false;
  if (is_typed && napi_get_typedarray_info(env, value, &type, &view->bytes, &data,
                                           &view->buffer, &offset) != napi_ok)
    return false;
  // A typed array's buffer is either an ArrayBuffer or a SharedArrayBuffer; only the memory
  // of a shared WebAssembly.Memory never moves when it grows.
  if (!is_typed || type != napi_uint8_array ||
      napi_is_arraybuffer(env, view->buffer, &is_plain) != napi_ok || is_plain) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                          "The \"view\" argument must be a Uint8Array over a shared memory");
    return false;
  }
  view->base = data;
  if (offset != 0 || (uintptr_t)view->base % shim_page_bytes() != 0)
    return shim_range_error(env, "the view must start at byte 0 of a page-aligned memory");
  return true;
}

bool window_range(napi_env env, const memory_view *view, int64_t offset, int64_t bytes) {
  size_t page = shim_page_bytes();
  if (offset < SHIM_WINDOW_FLOOR_BYTES || bytes <= 0 || (size_t)offset % page != 0 ||
      (size_t)bytes % page != 0)
    return shim_range_error(env, "window must be page-aligned, non-empty and above the floor");
  if ((uint64_t)offset + (uint64_t)bytes > view->bytes)
    return shim_range_error(env, "window must lie inside memory.buffer.byteLength");
  shim_state *state = shim_state_get(env);
  if (state == NULL) return false;
  for (shim_window *window = state->windows; window != NULL; window = window->next) {
    if (window->base == view->base && (size_t)offset < window->offset + window->bytes &&
        window->offset < (size_t)offset + (size_t)bytes)
      return shim_range_error(env, "window overlaps a window already mapped");
  }
  return true;
}

int window_map(uint8_t *at, size_t bytes, int fd, uint64_t file_offset) {
  void *mapped = mmap(at, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
                      (off_t)file_offset);
  if (mapped == MAP_FAILED) return -errno;
  return 0;
}

int window_detach(uint8_t *at, size_t bytes) {
  // munmap would leave a hole inside V8's reservation; private zero pages restore exactly
  // what a fresh memory has there.
  void *mapped = mmap(at, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                      -1, 0);
  if (mapped == MAP_FAILED) return -errno;
  return 0;
}

/* Records a mapped window; false (exception pending) when it cannot be recorded. */
static bool remember(napi_env env, const memory_view *view, size_t offset, size_t bytes) {
  shim_state *state = shim_state_get(env);
  shim_window *window = calloc(1, sizeof *window);
  if (state == NULL || window == NULL ||
      napi_create_reference(env, view->buffer, 1, &window->buffer) != napi_ok) {
    free(window);
    if (state != NULL) napi_throw_error(env, "ENOMEM", "sanswitch: cannot record a window");
    return false;
  }
  window->base = view->base;
  window->offset = offset;
  window->bytes = bytes;
  window->next = state->windows;
  state->windows = window;
  return true;
}

napi_value sanswitch_map_window(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  memory_view view;
  int64_t offset, bytes, file_offset;
  int fd;
  uint64_t file_bytes;
  if (!shim_args(env, info, 5, 5, argv, NULL) || !window_view(env, argv[0], &view) ||
      !shim_int64(env, argv[1], "offset", 0, INT64_MAX / 2, &offset) ||
      !shim_int64(env, argv[2], "bytes", 0, INT64_MAX / 2, &bytes) ||
      !shim_fd(env, argv[3], "fd", &fd) ||
      !shim_int64(env, argv[4], "fileOffset", 0, INT64_MAX / 2, &file_offset) ||
      !window_range(env, &view, offset, bytes))
    return NULL;
  if ((size_t)file_offset % shim_page_bytes() != 0) {
    shim_range_error(env, "fileOffset must be page-aligned");
    return NULL;
  }
  // Pages past the end of the file would SIGBUS on first touch, so the fd is checked here
  // even when the caller already ran segmentCheck.
  int status = segment_inspect(fd, &file_bytes);
  if (status == 0 && (uint64_t)file_offset + (uint64_t)bytes > file_bytes)
    status = SANSWITCH_ERR_PROTO;
  if (status == 0)
    status = window_map(view.base + offset, (size_t)bytes, fd, (uint64_t)file_offset);
  if (status == 0 && !remember(env, &view, (size_t)offset, (size_t)bytes)) {
    window_detach(view.base + offset, (size_t)bytes);
    return NULL;
  }
  return shim_int(env, status);
}

napi_value sanswitch_unmap_window(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  memory_view view;
  int64_t offset, bytes;
  if (!shim_args(env, info, 3, 3, argv, NULL) || !window_view(env, argv[0], &view) ||
      !shim_int64(env, argv[1], "offset", 0, INT64_MAX / 2, &offset) ||
      !shim_int64(env, argv[2], "bytes", 0, INT64_MAX / 2, &bytes))
    return NULL;
  shim_state *state = shim_state_get(env);
  if (state == NULL) return NULL;
  // Only a window this shim mapped may be replaced: anything else is live memory.
  for (shim_window **link = &state->windows; *link != NULL; link = &(*link)->next) {
    shim_window *window = *link;
    if (window->base != view.base || window->offset != (size_t)offset ||
        window->bytes != (size_t)bytes)
      continue;
    int status = window_detach(view.base + offset, (size_t)bytes);
    if (status == 0) {
      *link = window->next;
      napi_delete_reference(env, window->buffer);
      free(window);
    }
    return shim_int(env, status);
  }
  shim_range_error(env, "no window is mapped at that offset and size");
  return NULL;
}
