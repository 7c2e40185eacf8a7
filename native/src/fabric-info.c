/* Hints for fi_getinfo and socket addresses as JavaScript sees them. */
#include "fabric-info.h"

#ifdef SANSWITCH_HAVE_FABRIC
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

struct fi_info *fabric_hints(const char *provider) {
  struct fi_info *hints = fabric.dupinfo(NULL);
  if (hints == NULL) return NULL;
  hints->ep_attr->type = FI_EP_MSG;
  hints->caps = FI_MSG | FI_RMA;
  hints->addr_format = FI_SOCKADDR_IN;
  hints->mode = 0;
  // What a hardware NIC may require (verbs: local, virtual-address, allocated and
  // provider-chosen keys); the tcp provider asks for none of them.
  hints->domain_attr->mr_mode = FI_MR_LOCAL | FI_MR_VIRT_ADDR | FI_MR_ALLOCATED | FI_MR_PROV_KEY;
  if (provider != NULL && (hints->fabric_attr->prov_name = strdup(provider)) == NULL) {
    fabric.freeinfo(hints);
    return NULL;
  }
  return hints;
}

bool fabric_set_address(napi_env env, napi_value object, const void *address, size_t bytes) {
  char text[INET6_ADDRSTRLEN] = "";
  int port = 0;
  const struct sockaddr *any = address;
  if (any != NULL && bytes >= sizeof(struct sockaddr_in) && any->sa_family == AF_INET) {
    const struct sockaddr_in *in = address;
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    port = ntohs(in->sin_port);
  } else if (any != NULL && bytes >= sizeof(struct sockaddr_in6) && any->sa_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = address;
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof text);
    port = ntohs(in6->sin6_port);
  }
  napi_value value;
  return napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &value) == napi_ok &&
         napi_set_named_property(env, object, "address", value) == napi_ok &&
         shim_set_int(env, object, "port", port);
}

bool fabric_name_arg(napi_env env, napi_value value, char *out) {
  bool too_long = false;
  if (!shim_path(env, value, "provider", out, FABRIC_NAME_BYTES, &too_long)) return false;
  return !too_long || shim_range_error(env, "the provider name is too long");
}
#endif
