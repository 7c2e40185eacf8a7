/* Doorbells are non-blocking eventfds: the producer writes 1, the consumer's loop polls the
 * fd with uv_poll (the fastest measured way to wake a Node event loop) and resets it. An
 * eventfd cannot be opened through /proc/<pid>/fd, so it reaches the peer by SCM_RIGHTS. */
#include "doorbell.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <uv.h>

#include "args.h"
#include "layout.generated.h"
#include "watcher.h"

napi_value sanswitch_doorbell_create(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  return shim_int(env, fd >= 0 ? fd : -errno);
}

napi_value sanswitch_doorbell_ring(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!shim_args(env, info, 1, 1, argv, NULL) || !shim_fd(env, argv[0], "fd", &fd)) return NULL;
  const uint64_t one = 1;
  // EAGAIN only when the counter is about to overflow: the peer is then long overdue anyway.
  ssize_t wrote = write(fd, &one, sizeof one);
  return shim_int(env, wrote == (ssize_t)sizeof one ? 0 : wrote < 0 ? -errno : -EIO);
}

napi_value sanswitch_doorbell_check(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  char link[64], target[64];
  if (!shim_args(env, info, 1, 1, argv, NULL) || !shim_fd(env, argv[0], "fd", &fd)) return NULL;
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t length = readlink(link, target, sizeof target - 1);
  if (length < 0) return shim_int(env, -errno);
  target[length] = '\0';
  // A blocking doorbell would let the peer stall this process's loop in doorbellRing.
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return shim_int(env, -errno);
  bool ok = strcmp(target, "anon_inode:[eventfd]") == 0 && (flags & O_NONBLOCK) != 0 &&
            (flags & O_ACCMODE) == O_RDWR;
  return shim_int(env, ok ? 0 : SANSWITCH_ERR_PROTO);
}

napi_value sanswitch_doorbell_watch(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int fd;
  if (!shim_args(env, info, 2, 2, argv, NULL) || !shim_fd(env, argv[0], "fd", &fd) ||
      !shim_function(env, argv[1], "callback"))
    return NULL;
  return watcher_start(env, fd, UV_READABLE, true, argv[1], "sanswitch:doorbell");
}
