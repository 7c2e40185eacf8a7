/* Doorbells: eventfds that wake another process's event loop (ring on one side, watch on the
 * other). */
#ifndef SANSWITCH_DOORBELL_H
#define SANSWITCH_DOORBELL_H

#include <node_api.h>

/** doorbellCreate() -> fd | -errno. */
napi_value sanswitch_doorbell_create(napi_env env, napi_callback_info info);
/** doorbellRing(fd) -> 0 | -errno. */
napi_value sanswitch_doorbell_ring(napi_env env, napi_callback_info info);
/** doorbellCheck(fd) -> 0 | -EPROTO | -errno. */
napi_value sanswitch_doorbell_check(napi_env env, napi_callback_info info);
/** doorbellWatch(fd, callback) -> Watcher | -errno. */
napi_value sanswitch_doorbell_watch(napi_env env, napi_callback_info info);

#endif
