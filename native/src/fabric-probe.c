/* fabricProbe: whether libfabric loads here, what loading it did to the signal handlers, and
 * which of its providers offer what the fabric provider needs (FI_EP_MSG with messages and
 * RDMA), each with its domain and address. Loads the library on first call. */
#include "fabric.h"

#include <stdio.h>
#include <string.h>

#include "args.h"
#include "fabric-info.h"
#include "fabric-lib.h"

static bool set_string(napi_env env, napi_value object, const char *name, const char *text) {
  napi_value value;
  napi_status status = text == NULL ? napi_get_null(env, &value)
                                    : napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &value);
  return status == napi_ok && napi_set_named_property(env, object, name, value) == napi_ok;
}

static bool set_bool(napi_env env, napi_value object, const char *name, bool flag) {
  napi_value value;
  return napi_get_boolean(env, flag, &value) == napi_ok &&
         napi_set_named_property(env, object, name, value) == napi_ok;
}

#ifdef SANSWITCH_HAVE_FABRIC
/* One entry per fi_info that offers FI_EP_MSG with FI_MSG and FI_RMA. */
static bool list_providers(napi_env env, const char *provider, napi_value list,
                           const char **error) {
  struct fi_info *hints = fabric_hints(provider), *infos = NULL;
  if (hints == NULL) return napi_throw_error(env, "ENOMEM", "sanswitch: out of memory"), false;
  int status = fabric.getinfo(FABRIC_API_VERSION, NULL, NULL, 0, hints, &infos);
  fabric.freeinfo(hints);
  if (status != 0) {
    // -FI_ENODATA: no provider matches, which is an answer, not a failure.
    if (status != -FI_ENODATA) *error = fabric.strerror(-status);
    return true;
  }
  uint32_t index = 0;
  bool ok = true;
  for (struct fi_info *at = infos; at != NULL && ok; at = at->next) {
    napi_value entry;
    ok = napi_create_object(env, &entry) == napi_ok &&
         set_string(env, entry, "provider", at->fabric_attr->prov_name) &&
         set_string(env, entry, "fabric", at->fabric_attr->name) &&
         set_string(env, entry, "domain", at->domain_attr->name) &&
         shim_set_int(env, entry, "mrMode", at->domain_attr->mr_mode) &&
         fabric_set_address(env, entry, at->src_addr, at->src_addrlen) &&
         napi_set_element(env, list, index++, entry) == napi_ok;
  }
  fabric.freeinfo(infos);
  return ok;
}
#endif

napi_value sanswitch_fabric_probe(napi_env env, napi_callback_info info) {
  napi_value argv[1], result, providers;
  if (!shim_args(env, info, 0, 1, argv, NULL)) return NULL;
#ifdef SANSWITCH_HAVE_FABRIC
  char provider[FABRIC_NAME_BYTES] = "";
  if (!shim_is_undefined(env, argv[0]) && !fabric_name_arg(env, argv[0], provider)) return NULL;
  const bool built = true;
#else
  const bool built = false;
#endif
  if (napi_create_object(env, &result) != napi_ok || napi_create_array(env, &providers) != napi_ok)
    return NULL;
  const fabric_load_result *load = fabric_load();
  const char *error = load->error;
  char version[16] = "";
#ifdef SANSWITCH_HAVE_FABRIC
  if (load->loaded) {
    uint32_t v = fabric.version();
    snprintf(version, sizeof version, "%u.%u", FI_MAJOR(v), FI_MINOR(v));
    if (!list_providers(env, provider[0] ? provider : NULL, providers, &error)) return NULL;
  }
#endif
  if (!set_bool(env, result, "built", built) || !set_bool(env, result, "loaded", load->loaded) ||
      !set_string(env, result, "error", error) ||
      !set_string(env, result, "replaced", load->replaced[0] ? load->replaced : NULL) ||
      !set_string(env, result, "version", version[0] ? version : NULL) ||
      napi_set_named_property(env, result, "providers", providers) != napi_ok)
    return NULL;
  return result;
}
