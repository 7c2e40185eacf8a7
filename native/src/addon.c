/* Entry point of the sanswitch N-API shim: registers every exported function. The shim maps
 * memory, rings doorbells and hands fds over; it holds no protocol logic. */
#include <node_api.h>
#include <uv.h>

#include "args.h"
#include "channel.h"
#include "doorbell.h"
#include "fabric.h"
#include "layout.h"
#include "segment.h"
#include "selftest.h"
#include "state.h"
#include "watcher.h"
#include "window.h"

#define FUNCTION(name, function) {name, NULL, function, NULL, NULL, NULL, napi_enumerable, NULL}

#ifdef SANSWITCH_HAVE_FABRIC
#define FABRIC_BUILT 1
#else
#define FABRIC_BUILT 0
#endif

/* The numbers callers need to form valid arguments. */
static napi_value constants(napi_env env) {
  napi_value object;
  if (napi_create_object(env, &object) != napi_ok ||
      !shim_set_int(env, object, "PAGE_BYTES", (int64_t)shim_page_bytes()) ||
      !shim_set_int(env, object, "WINDOW_FLOOR_BYTES", SHIM_WINDOW_FLOOR_BYTES) ||
      !shim_set_int(env, object, "MAX_FDS", SHIM_MAX_FDS) ||
      !shim_set_int(env, object, "POLL_READABLE", UV_READABLE) ||
      !shim_set_int(env, object, "POLL_WRITABLE", UV_WRITABLE) ||
      !shim_set_int(env, object, "POLL_DISCONNECT", UV_DISCONNECT) ||
      !shim_set_int(env, object, "FABRIC_BUILT", FABRIC_BUILT))
    return NULL;
  return object;
}

static napi_value init(napi_env env, napi_value exports) {
  const napi_property_descriptor properties[] = {
      FUNCTION("layout", sanswitch_layout),
      FUNCTION("segmentCreate", sanswitch_segment_create),
      FUNCTION("segmentCheck", sanswitch_segment_check),
      FUNCTION("closeFd", sanswitch_close_fd),
      FUNCTION("mapWindow", sanswitch_map_window),
      FUNCTION("unmapWindow", sanswitch_unmap_window),
      FUNCTION("doorbellCreate", sanswitch_doorbell_create),
      FUNCTION("doorbellRing", sanswitch_doorbell_ring),
      FUNCTION("doorbellCheck", sanswitch_doorbell_check),
      FUNCTION("doorbellWatch", sanswitch_doorbell_watch),
      FUNCTION("channelListen", sanswitch_channel_listen),
      FUNCTION("channelConnect", sanswitch_channel_connect),
      FUNCTION("channelAccept", sanswitch_channel_accept),
      FUNCTION("channelPeer", sanswitch_channel_peer),
      FUNCTION("channelSend", sanswitch_channel_send),
      FUNCTION("channelRecv", sanswitch_channel_recv),
      FUNCTION("channelWatch", sanswitch_channel_watch),
      FUNCTION("selfTest", sanswitch_self_test),
      FUNCTION("fabricProbe", sanswitch_fabric_probe),
#ifdef SANSWITCH_HAVE_FABRIC
      FUNCTION("fabricOpen", sanswitch_fabric_open),
      FUNCTION("fabricClose", sanswitch_fabric_close),
      FUNCTION("fabricWatch", sanswitch_fabric_watch),
      FUNCTION("fabricTryWait", sanswitch_fabric_try_wait),
      FUNCTION("fabricListen", sanswitch_fabric_listen),
      FUNCTION("fabricName", sanswitch_fabric_name),
      FUNCTION("fabricConnect", sanswitch_fabric_connect),
      FUNCTION("fabricEvents", sanswitch_fabric_events),
      FUNCTION("fabricAccept", sanswitch_fabric_accept),
      FUNCTION("fabricReject", sanswitch_fabric_reject),
      FUNCTION("fabricRegister", sanswitch_fabric_register),
      FUNCTION("fabricRegion", sanswitch_fabric_region),
      FUNCTION("fabricRemote", sanswitch_fabric_remote),
      FUNCTION("fabricPost", sanswitch_fabric_post),
      FUNCTION("fabricComplete", sanswitch_fabric_complete),
#endif
  };
  napi_value values = NULL;
  if (!shim_state_init(env) || !watcher_define_class(env) || (values = constants(env)) == NULL ||
      napi_define_properties(env, exports, sizeof properties / sizeof properties[0],
                             properties) != napi_ok ||
      napi_set_named_property(env, exports, "constants", values) != napi_ok)
    return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
