/* The hand-over and liveness channel: the shim's own non-blocking AF_UNIX SOCK_SEQPACKET
 * sockets, because Node's read() would drop SCM_RIGHTS data. SEQPACKET keeps message
 * boundaries and shows the peer's death as a hang-up the moment its process exits. */
#include "channel.h"

#include <errno.h>
#include <libgen.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

#include "args.h"
#include "watcher.h"

#define SOCKET_FLAGS (SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC)

/* Reads a path argument into `address`; on a path too long, stores -ENAMETOOLONG. */
static bool address_arg(napi_env env, napi_value value, struct sockaddr_un *address,
                        int *status) {
  bool too_long;
  memset(address, 0, sizeof *address);
  address->sun_family = AF_UNIX;
  if (!shim_path(env, value, "path", address->sun_path, sizeof address->sun_path, &too_long))
    return false;
  *status = too_long ? -ENAMETOOLONG : 0;
  return true;
}

/* 0 when the directory holding `path` is ours and closed to everyone else, else -errno. */
static int private_directory(const char *path) {
  char copy[sizeof ((struct sockaddr_un *)0)->sun_path];
  struct stat status;
  strcpy(copy, path);
  if (stat(dirname(copy), &status) != 0) return -errno;
  if (!S_ISDIR(status.st_mode) || status.st_uid != geteuid() || (status.st_mode & 077) != 0)
    return -EACCES;
  return 0;
}

/* Binds and listens at `address`; returns the socket or -errno, leaving no file behind. */
static int listen_at(const struct sockaddr_un *address, int backlog) {
  int fd = socket(AF_UNIX, SOCKET_FLAGS, 0);
  if (fd < 0) return -errno;
  if (bind(fd, (const struct sockaddr *)address, sizeof *address) != 0) {
    int error = errno;
    close(fd);
    return -error;
  }
  // umask is process-wide and other threads may be creating files, so the mode is set after
  // bind; nobody can connect in between because nothing listens yet.
  if (chmod(address->sun_path, 0600) != 0 || listen(fd, backlog) != 0) {
    int error = errno;
    unlink(address->sun_path);
    close(fd);
    return -error;
  }
  return fd;
}

napi_value sanswitch_channel_listen(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  struct sockaddr_un address;
  int64_t backlog;
  int status;
  if (!shim_args(env, info, 2, 2, argv, NULL) || !address_arg(env, argv[0], &address, &status) ||
      !shim_int64(env, argv[1], "backlog", 0, 65535, &backlog))
    return NULL;
  if (status == 0) status = private_directory(address.sun_path);
  if (status == 0) status = listen_at(&address, (int)backlog);
  return shim_int(env, status);
}

napi_value sanswitch_channel_connect(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  struct sockaddr_un address;
  int status;
  if (!shim_args(env, info, 1, 1, argv, NULL) || !address_arg(env, argv[0], &address, &status))
    return NULL;
  if (status != 0) return shim_int(env, status);
  int fd = socket(AF_UNIX, SOCKET_FLAGS, 0);
  if (fd < 0) return shim_int(env, -errno);
  // A Unix socket connects at once or fails: EAGAIN means the listener's backlog is full.
  if (connect(fd, (const struct sockaddr *)&address, sizeof address) != 0) {
    status = -errno;
    close(fd);
    return shim_int(env, status);
  }
  return shim_int(env, fd);
}

/* {pid, uid, gid} of the process at the other end of `fd` (as of connect), into `object`. */
static int peer_credentials(napi_env env, int fd, napi_value object) {
  struct ucred credentials;
  socklen_t length = sizeof credentials;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return -errno;
  if (!shim_set_int(env, object, "pid", credentials.pid) ||
      !shim_set_int(env, object, "uid", credentials.uid) ||
      !shim_set_int(env, object, "gid", credentials.gid))
    return -ENOMEM;
  return 0;
}

napi_value sanswitch_channel_accept(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  int listen_fd;
  if (!shim_args(env, info, 1, 1, argv, NULL) || !shim_fd(env, argv[0], "listenFd", &listen_fd))
    return NULL;
  int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return shim_int(env, -errno);
  int status = napi_create_object(env, &result) == napi_ok ? 0 : -ENOMEM;
  if (status == 0) status = peer_credentials(env, fd, result);
  if (status == 0 && !shim_set_int(env, result, "fd", fd)) status = -ENOMEM;
  if (status != 0) {
    close(fd);
    return shim_int(env, status);
  }
  return result;
}

napi_value sanswitch_channel_peer(napi_env env, napi_callback_info info) {
  napi_value argv[1], result;
  int fd;
  if (!shim_args(env, info, 1, 1, argv, NULL) || !shim_fd(env, argv[0], "fd", &fd) ||
      napi_create_object(env, &result) != napi_ok)
    return NULL;
  int status = peer_credentials(env, fd, result);
  return status == 0 ? result : shim_int(env, status);
}

napi_value sanswitch_channel_watch(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int fd;
  int64_t events = UV_READABLE | UV_DISCONNECT;
  if (!shim_args(env, info, 2, 3, argv, NULL) || !shim_fd(env, argv[0], "fd", &fd) ||
      !shim_function(env, argv[1], "callback"))
    return NULL;
  if (!shim_is_undefined(env, argv[2]) &&
      !shim_int64(env, argv[2], "events", 1, UV_READABLE | UV_WRITABLE | UV_DISCONNECT, &events))
    return NULL;
  return watcher_start(env, fd, (int)events, false, argv[1], "sanswitch:channel");
}
