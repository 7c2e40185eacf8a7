/* Entry point of the sanswitch N-API shim: registers every exported function. The shim maps
 * memory, rings doorbells and posts work requests; it holds no protocol logic. */
#include <node_api.h>

#include "layout.h"

static napi_value init(napi_env env, napi_value exports) {
  const napi_property_descriptor properties[] = {
      {"layout", NULL, sanswitch_layout, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof properties / sizeof properties[0],
                             properties) != napi_ok)
    return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
