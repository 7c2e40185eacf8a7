/* Watchers: one uv_poll handle on the loop thread per watched fd, calling back into
 * JavaScript. Doorbells (eventfds) and channels (sockets) share this one piece of code. */
#ifndef SANSWITCH_WATCHER_H
#define SANSWITCH_WATCHER_H

#include <node_api.h>
#include <stdbool.h>

/** Defines the handle class (close/ref/unref/hasRef) once per environment. */
bool watcher_define_class(napi_env env);

/**
 * Starts polling `fd` for `events` (UV_READABLE | UV_WRITABLE | UV_DISCONNECT) on this
 * environment's loop and returns the handle object, or a negative errno number when libuv
 * refuses the fd (NULL with an exception pending on programmer errors). With `drain`, the fd
 * is an eventfd whose counter is read (reset) before each callback, and a wake-up that finds
 * the counter already zero calls nothing. `name` labels the async resource.
 */
napi_value watcher_start(napi_env env, int fd, int events, bool drain, napi_value callback,
                         const char *name);

#endif
