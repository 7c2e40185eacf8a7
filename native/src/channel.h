/* Channels: AF_UNIX SOCK_SEQPACKET sockets owned by the shim, for handing fds over with
 * SCM_RIGHTS and, kept open for a connection's life, for noticing that the peer died. */
#ifndef SANSWITCH_CHANNEL_H
#define SANSWITCH_CHANNEL_H

#include <node_api.h>

/** channelListen(path, backlog) -> fd | -errno. */
napi_value sanswitch_channel_listen(napi_env env, napi_callback_info info);
/** channelConnect(path) -> fd | -errno. */
napi_value sanswitch_channel_connect(napi_env env, napi_callback_info info);
/** channelAccept(listenFd) -> {fd, pid, uid, gid} | -errno. */
napi_value sanswitch_channel_accept(napi_env env, napi_callback_info info);
/** channelPeer(fd) -> {pid, uid, gid} | -errno. */
napi_value sanswitch_channel_peer(napi_env env, napi_callback_info info);
/** channelWatch(fd, callback, events?) -> Watcher | -errno. */
napi_value sanswitch_channel_watch(napi_env env, napi_callback_info info);
/** channelSend(fd, bytes, fds?) -> bytes sent | -errno (channel-io.c). */
napi_value sanswitch_channel_send(napi_env env, napi_callback_info info);
/** channelRecv(fd, maxBytes, maxFds?) -> {bytes, fds, truncated} | 0 | -errno (channel-io.c). */
napi_value sanswitch_channel_recv(napi_env env, napi_callback_info info);

#endif
