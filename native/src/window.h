/* Windows: segments mapped MAP_SHARED|MAP_FIXED over page-aligned ranges of a shared WASM
 * memory, and detached by mapping private anonymous pages back (never munmap). */
#ifndef SANSWITCH_WINDOW_H
#define SANSWITCH_WINDOW_H

#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * No window starts below this byte offset: the first WASM page holds the core's static data
 * and address 0, which a window must never replace.
 */
#define SHIM_WINDOW_FLOOR_BYTES 65536

/** mapWindow(view, offset, bytes, fd, fileOffset) -> 0 | -EPROTO | -errno. */
napi_value sanswitch_map_window(napi_env env, napi_callback_info info);
/** unmapWindow(view, offset, bytes) -> 0 | -errno. */
napi_value sanswitch_unmap_window(napi_env env, napi_callback_info info);

/** A Uint8Array over the whole of a shared memory's buffer. */
typedef struct {
  uint8_t *base;
  size_t bytes;
  napi_value buffer;
} memory_view;

/** Checks `value` is a Uint8Array over all of a SharedArrayBuffer; throws otherwise. */
bool window_view(napi_env env, napi_value value, memory_view *view);
/**
 * Checks [offset, offset + bytes) is page-aligned, non-empty, at or above the floor, inside
 * the view and clear of every window already mapped there; throws otherwise.
 */
bool window_range(napi_env env, const memory_view *view, int64_t offset, int64_t bytes);
/** Maps `bytes` of `fd` at `file_offset` read-write and shared at `at`: 0 or -errno. */
int window_map(uint8_t *at, size_t bytes, int fd, uint64_t file_offset);
/** Replaces the pages at `at` with private zero pages: 0 or -errno. */
int window_detach(uint8_t *at, size_t bytes);

#endif
