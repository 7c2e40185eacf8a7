/* Start-up self-test: maps a one-page segment twice into a shared memory, checks that a
 * write through one alias is read through the other (both ways), detaches both and checks
 * the pages are private zero pages again. Where it fails, the shm provider is unavailable. */
#include "selftest.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "segment.h"
#include "window.h"

/* Writes a pattern at `from` and checks it at `to`; `seed` varies it between passes. */
static bool aliases(volatile uint32_t *from, volatile uint32_t *to, size_t words,
                    uint32_t seed) {
  for (size_t i = 0; i < words; i++) from[i] = seed ^ (uint32_t)(i * 2654435761u);
  for (size_t i = 0; i < words; i++)
    if (to[i] != (seed ^ (uint32_t)(i * 2654435761u))) return false;
  return true;
}

static bool zeroed(volatile const uint32_t *at, size_t words) {
  for (size_t i = 0; i < words; i++)
    if (at[i] != 0) return false;
  return true;
}

/* Runs the test on the two pages at `at`; returns NULL on success, else why it failed. */
static const char *run(uint8_t *at, size_t page, char *detail, size_t detail_bytes) {
  const char *reason = NULL;
  size_t words = page / sizeof(uint32_t);
  volatile uint32_t *first = (volatile uint32_t *)at;
  volatile uint32_t *second = (volatile uint32_t *)(at + page);
  int fd = segment_create(page);
  if (fd < 0) {
    snprintf(detail, detail_bytes, "memfd segment: %s", strerror(-fd));
    return detail;
  }
  int status = window_map(at, page, fd, 0);
  if (status == 0) status = window_map(at + page, page, fd, 0);
  if (status != 0) {
    snprintf(detail, detail_bytes, "mmap over the memory: %s", strerror(-status));
    reason = detail;
  } else if (!aliases(first, second, words, 0x5a17c0deu) ||
             !aliases(second, first, words, 0x0badf00du)) {
    reason = "a write through one window was not seen through the other";
  }
  close(fd);
  // Detach both even after a failure: the memory must never keep a stray mapping.
  if ((window_detach(at, page) != 0 || window_detach(at + page, page) != 0) && reason == NULL)
    reason = "detaching a window failed";
  if (reason == NULL && (!zeroed(first, words) || !zeroed(second, words)))
    reason = "a detached window still shows the segment";
  return reason;
}

napi_value sanswitch_self_test(napi_env env, napi_callback_info info) {
  napi_value argv[2], result, ok, why;
  memory_view view;
  int64_t offset;
  char detail[160];
  size_t page = shim_page_bytes();
  if (!shim_args(env, info, 2, 2, argv, NULL) || !window_view(env, argv[0], &view) ||
      !shim_int64(env, argv[1], "offset", 0, INT64_MAX / 2, &offset) ||
      !window_range(env, &view, offset, (int64_t)(2 * page)))
    return NULL;
  const char *reason = run(view.base + offset, page, detail, sizeof detail);
  if (napi_create_object(env, &result) != napi_ok ||
      napi_get_boolean(env, reason == NULL, &ok) != napi_ok ||
      (reason == NULL ? napi_get_null(env, &why)
                      : napi_create_string_utf8(env, reason, NAPI_AUTO_LENGTH, &why)) != napi_ok ||
      napi_set_named_property(env, result, "ok", ok) != napi_ok ||
      napi_set_named_property(env, result, "reason", why) != napi_ok)
    return NULL;
  return result;
}
