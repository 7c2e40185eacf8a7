/* Segments are memfds, sized then sealed so that nobody can truncate one under a mapping
 * (lost pages SIGBUS every process touching them). A peer's segment fd is checked before
 * use: a hostile peer could send a pipe, an unsealed file, a read-only fd or a wrong size. */
#include "segment.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "layout.generated.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

int segment_create(size_t bytes) {
  int fd = memfd_create("sanswitch", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return -errno;
  // F_SEAL_SEAL too: nobody can add F_SEAL_FUTURE_WRITE later and break the peer's mapping.
  if (ftruncate(fd, (off_t)bytes) != 0 ||
      fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
    int error = errno;
    close(fd);
    return -error;
  }
  return fd;
}

int segment_inspect(int fd, uint64_t *bytes) {
  struct stat status;
  if (fstat(fd, &status) != 0) return -errno;
  if (!S_ISREG(status.st_mode)) return SANSWITCH_ERR_PROTO;
  // A read-only descriptor cannot back a read-write window, and a read-only window makes
  // the next memory.grow abort the process (notes/shared-memory-measurements.md).
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return -errno;
  if ((flags & O_ACCMODE) != O_RDWR) return SANSWITCH_ERR_PROTO;
  // Files that cannot be sealed (not a memfd or tmpfs file) fail here with EINVAL.
  int seals = fcntl(fd, F_GET_SEALS);
  if (seals < 0) return SANSWITCH_ERR_PROTO;
  if ((seals & (F_SEAL_SHRINK | F_SEAL_GROW)) != (F_SEAL_SHRINK | F_SEAL_GROW) ||
      (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) != 0)
    return SANSWITCH_ERR_PROTO;
  *bytes = (uint64_t)status.st_size;
  return 0;
}

napi_value sanswitch_segment_create(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t bytes;
  if (!shim_args(env, info, 1, 1, argv, NULL) ||
      !shim_int64(env, argv[0], "bytes", 1, INT32_MAX, &bytes))
    return NULL;
  if ((size_t)bytes % shim_page_bytes() != 0) {
    shim_range_error(env, "segment size must be a multiple of the page size");
    return NULL;
  }
  return shim_int(env, segment_create((size_t)bytes));
}

napi_value sanswitch_segment_check(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int fd;
  int64_t expected;
  uint64_t bytes;
  if (!shim_args(env, info, 2, 2, argv, NULL) || !shim_fd(env, argv[0], "fd", &fd) ||
      !shim_int64(env, argv[1], "bytes", 1, INT32_MAX, &expected))
    return NULL;
  int status = segment_inspect(fd, &bytes);
  if (status == 0 && bytes != (uint64_t)expected) status = SANSWITCH_ERR_PROTO;
  return shim_int(env, status);
}

napi_value sanswitch_close_fd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!shim_args(env, info, 1, 1, argv, NULL) || !shim_fd(env, argv[0], "fd", &fd)) return NULL;
  // Closing stdin, stdout or stderr by mistake would silently redirect later output.
  if (fd <= 2) {
    shim_range_error(env, "refusing to close a standard stream");
    return NULL;
  }
  // On Linux the descriptor is released even when close reports EINTR.
  return shim_int(env, close(fd) == 0 || errno == EINTR ? 0 : -errno);
}
