/* Shared-memory segments: sealed memfds, and the check a received segment fd must pass. */
#ifndef SANSWITCH_SEGMENT_H
#define SANSWITCH_SEGMENT_H

#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

/** segmentCreate(bytes) -> fd | -errno. */
napi_value sanswitch_segment_create(napi_env env, napi_callback_info info);
/** segmentCheck(fd, bytes) -> 0 | -EPROTO | -errno. */
napi_value sanswitch_segment_check(napi_env env, napi_callback_info info);
/** closeFd(fd) -> 0 | -errno. */
napi_value sanswitch_close_fd(napi_env env, napi_callback_info info);

/** A new sealed memfd of `bytes` (a multiple of the page size), or -errno. */
int segment_create(size_t bytes);
/**
 * 0 when `fd` is safe to map read-write and shared: an O_RDWR regular file sealed against
 * shrinking and growing, not sealed against writing. Stores its size in *bytes. Returns
 * -EPROTO when it is something else, -errno when the kernel refused to describe it.
 */
int segment_inspect(int fd, uint64_t *bytes);

#endif
