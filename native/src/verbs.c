/* The verbs backend's probe. Compiled against libibverbs when its headers were found at build
 * time (SANSWITCH_HAVE_VERBS, see binding.gyp); otherwise it only says that it was not. */
#include "verbs.h"

#include <errno.h>
#include <string.h>

#include "args.h"

#ifdef SANSWITCH_HAVE_VERBS
#include <infiniband/verbs.h>
#endif

/* Appends the name of every device to `devices`; returns NULL or why the list is unreadable. */
static const char *list_devices(napi_env env, napi_value devices, bool *failed) {
#ifdef SANSWITCH_HAVE_VERBS
  int count = 0;
  errno = 0;
  struct ibv_device **list = ibv_get_device_list(&count);
  // Without a device (or without the kernel's uverbs module) this is NULL, not an empty list.
  if (list == NULL) return errno != 0 ? strerror(errno) : "no device list";
  for (int i = 0; i < count && !*failed; i++) {
    napi_value name;
    if (napi_create_string_utf8(env, ibv_get_device_name(list[i]), NAPI_AUTO_LENGTH, &name) !=
            napi_ok ||
        napi_set_element(env, devices, (uint32_t)i, name) != napi_ok)
      *failed = true;
  }
  ibv_free_device_list(list);
  return NULL;
#else
  (void)env;
  (void)devices;
  (void)failed;
  return NULL;
#endif
}

napi_value sanswitch_verbs_probe(napi_env env, napi_callback_info info) {
  napi_value result, devices, built, why;
  bool failed = false;
  if (!shim_args(env, info, 0, 0, NULL, NULL) || napi_create_object(env, &result) != napi_ok ||
      napi_create_array(env, &devices) != napi_ok)
    return NULL;
#ifdef SANSWITCH_HAVE_VERBS
  const bool have_verbs = true;
#else
  const bool have_verbs = false;
#endif
  const char *error = list_devices(env, devices, &failed);
  if (failed || napi_get_boolean(env, have_verbs, &built) != napi_ok ||
      (error == NULL ? napi_get_null(env, &why)
                     : napi_create_string_utf8(env, error, NAPI_AUTO_LENGTH, &why)) != napi_ok ||
      napi_set_named_property(env, result, "built", built) != napi_ok ||
      napi_set_named_property(env, result, "devices", devices) != napi_ok ||
      napi_set_named_property(env, result, "error", why) != napi_ok)
    return NULL;
  return result;
}
