/* Hints and addresses shared by the fabric probe and the connection calls. */
#ifndef SANSWITCH_FABRIC_INFO_H
#define SANSWITCH_FABRIC_INFO_H

#include <node_api.h>
#include <stdbool.h>

#include "fabric-lib.h"

#ifdef SANSWITCH_HAVE_FABRIC
/** Most bytes of a provider name argument. */
#define FABRIC_NAME_BYTES 32

/**
 * The hints every call uses: connection-oriented endpoints (FI_EP_MSG) with messages and
 * RDMA, IPv4 socket addresses, no mode bits (the shim passes no fi_context), and every
 * memory-registration mode the shim honours. NULL when out of memory.
 */
struct fi_info *fabric_hints(const char *provider);
/** Writes a sockaddr's address and port as properties of `object`; false on failure. */
bool fabric_set_address(napi_env env, napi_value object, const void *address, size_t bytes);
/** Reads a provider name argument into `out` (FABRIC_NAME_BYTES); throws when it is not one. */
bool fabric_name_arg(napi_env env, napi_value value, char *out);
#endif

#endif
