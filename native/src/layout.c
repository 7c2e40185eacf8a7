/* Exposes the generated layout constants to JavaScript, so that test/layout.test.ts can check
 * that the C shim, the WASM core and the TypeScript switch agree on every offset. */
#include "layout.h"

#include "layout.generated.h"

napi_value sanswitch_layout(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value object;
  napi_value value;
  if (napi_create_object(env, &object) != napi_ok) return NULL;
#define SANSWITCH_EXPORT_CONSTANT(name)                                   \
  if (napi_create_int64(env, (int64_t)(SANSWITCH_##name), &value) != napi_ok || \
      napi_set_named_property(env, object, #name, value) != napi_ok)      \
    return NULL;
  SANSWITCH_LAYOUT_CONSTANTS(SANSWITCH_EXPORT_CONSTANT)
#undef SANSWITCH_EXPORT_CONSTANT
  return object;
}
