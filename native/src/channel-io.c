/* Messages on a channel: bytes plus up to SHIM_MAX_FDS file descriptors (SCM_RIGHTS). Sends
 * and receives never block; received descriptors are close-on-exec, and any beyond what the
 * caller expects are closed here so that a peer cannot fill this process's fd table. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "args.h"
#include "channel.h"

/** Largest message channelRecv accepts, in bytes: channels carry small control messages. */
#define MAX_MESSAGE_BYTES 65536

typedef union {
  struct cmsghdr header;
  char space[CMSG_SPACE(sizeof(int) * SHIM_MAX_FDS)];
} control_buffer;

napi_value sanswitch_channel_send(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int fd, fds[SHIM_MAX_FDS];
  size_t fd_count = 0, bytes;
  uint8_t *data;
  control_buffer control;
  if (!shim_args(env, info, 2, 3, argv, NULL) || !shim_fd(env, argv[0], "fd", &fd) ||
      !shim_bytes(env, argv[1], "bytes", &data, &bytes) ||
      (!shim_is_undefined(env, argv[2]) && !shim_fd_array(env, argv[2], "fds", fds, &fd_count)))
    return NULL;
  // channelRecv reports a closed channel as 0 bytes, so an empty message would read as one.
  if (bytes == 0 || bytes > MAX_MESSAGE_BYTES) {
    shim_range_error(env, "a channel message carries 1 to 65536 bytes");
    return NULL;
  }
  struct iovec iov = {data, bytes};
  struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1};
  if (fd_count > 0) {
    memset(&control, 0, sizeof control);
    message.msg_control = control.space;
    message.msg_controllen = CMSG_SPACE(sizeof(int) * fd_count);
    struct cmsghdr *header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int) * fd_count);
    memcpy(CMSG_DATA(header), fds, sizeof(int) * fd_count);
  }
  ssize_t sent = sendmsg(fd, &message, MSG_DONTWAIT | MSG_NOSIGNAL);
  return shim_int(env, sent >= 0 ? sent : -errno);
}

/* Moves received descriptors into `fds` (up to `wanted`) and closes the rest. Returns how
 * many were closed. */
static size_t collect_fds(struct msghdr *message, int *fds, size_t wanted, size_t *count) {
  size_t closed = 0;
  *count = 0;
  for (struct cmsghdr *header = CMSG_FIRSTHDR(message); header != NULL;
       header = CMSG_NXTHDR(message, header)) {
    if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
    size_t n = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < n; i++) {
      int received;
      memcpy(&received, CMSG_DATA(header) + i * sizeof(int), sizeof received);
      if (*count < wanted) {
        fds[(*count)++] = received;
      } else {
        close(received);
        closed++;
      }
    }
  }
  return closed;
}

/* Builds {bytes, fds, truncated}; NULL (exception pending) on allocation failure. */
static napi_value message_object(napi_env env, const uint8_t *data, size_t bytes, const int *fds,
                                 size_t count, bool truncated) {
  napi_value result, buffer, array, flag;
  if (napi_create_object(env, &result) != napi_ok ||
      napi_create_buffer_copy(env, bytes, data, NULL, &buffer) != napi_ok ||
      napi_create_array_with_length(env, count, &array) != napi_ok ||
      napi_get_boolean(env, truncated, &flag) != napi_ok)
    return NULL;
  for (size_t i = 0; i < count; i++) {
    napi_value fd = shim_int(env, fds[i]);
    if (fd == NULL || napi_set_element(env, array, (uint32_t)i, fd) != napi_ok) return NULL;
  }
  if (napi_set_named_property(env, result, "bytes", buffer) != napi_ok ||
      napi_set_named_property(env, result, "fds", array) != napi_ok ||
      napi_set_named_property(env, result, "truncated", flag) != napi_ok)
    return NULL;
  return result;
}

napi_value sanswitch_channel_recv(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int fd, fds[SHIM_MAX_FDS];
  int64_t max_bytes, max_fds = 0;
  size_t count;
  control_buffer control;
  if (!shim_args(env, info, 2, 3, argv, NULL) || !shim_fd(env, argv[0], "fd", &fd) ||
      !shim_int64(env, argv[1], "maxBytes", 1, MAX_MESSAGE_BYTES, &max_bytes) ||
      (!shim_is_undefined(env, argv[2]) &&
       !shim_int64(env, argv[2], "maxFds", 0, SHIM_MAX_FDS, &max_fds)))
    return NULL;
  uint8_t *data = malloc((size_t)max_bytes);
  if (data == NULL) return shim_int(env, -ENOMEM);
  struct iovec iov = {data, (size_t)max_bytes};
  struct msghdr message = {.msg_iov = &iov,
                           .msg_iovlen = 1,
                           .msg_control = control.space,
                           .msg_controllen = sizeof control.space};
  ssize_t got = recvmsg(fd, &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  if (got <= 0) {
    // 0: the peer closed its end (senders never send empty messages).
    int status = got == 0 ? 0 : -errno;
    free(data);
    return shim_int(env, status);
  }
  size_t closed = collect_fds(&message, fds, (size_t)max_fds, &count);
  // MSG_TRUNC: the message was longer than maxBytes and its tail is lost; MSG_CTRUNC: the
  // kernel dropped descriptors that did not fit the control buffer.
  bool truncated = closed > 0 || (message.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0;
  napi_value result = message_object(env, data, (size_t)got, fds, count, truncated);
  free(data);
  if (result == NULL) {
    for (size_t i = 0; i < count; i++) close(fds[i]);
  }
  return result;
}
