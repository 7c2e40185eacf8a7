/* The fabric backend's exported functions. fabricProbe exists in every build; the others
 * only where the shim was compiled against libfabric (SANSWITCH_HAVE_FABRIC), and they may be
 * called only after fabricProbe reported the library loaded. Failures of libfabric come back
 * as negative errno numbers; wrong arguments throw (see args.h). Main thread only. */
#ifndef SANSWITCH_FABRIC_H
#define SANSWITCH_FABRIC_H

#include <node_api.h>

/** fabricProbe(provider?) -> { built, loaded, error, replaced, version, providers[] }. */
napi_value sanswitch_fabric_probe(napi_env env, napi_callback_info info);

#ifdef SANSWITCH_HAVE_FABRIC
/** fabricOpen(provider) -> domain id | -errno: fabric, domain, one EQ and one CQ with fds. */
napi_value sanswitch_fabric_open(napi_env env, napi_callback_info info);
/** fabricClose(id) -> 0 | -errno: any object; a domain closes everything opened in it. */
napi_value sanswitch_fabric_close(napi_env env, napi_callback_info info);
/** fabricWatch(domain, queue 0 = EQ | 1 = CQ, callback) -> watcher | -errno. */
napi_value sanswitch_fabric_watch(napi_env env, napi_callback_info info);
/** fabricTryWait(domain) -> 0 (may sleep) | -EAGAIN (drain both queues again). */
napi_value sanswitch_fabric_try_wait(napi_env env, napi_callback_info info);
/** fabricListen(domain, address, port) -> listener id | -errno. */
napi_value sanswitch_fabric_listen(napi_env env, napi_callback_info info);
/** fabricName(listener | endpoint, peer?) -> { address, port } | -errno. */
napi_value sanswitch_fabric_name(napi_env env, napi_callback_info info);
/** fabricConnect(domain, address, port, data) -> endpoint id | -errno. */
napi_value sanswitch_fabric_connect(napi_env env, napi_callback_info info);
/** fabricEvents(domain, max) -> [{ type, id, request, error, data, address, port }] | -errno. */
napi_value sanswitch_fabric_events(napi_env env, napi_callback_info info);
/** fabricAccept(request, data) -> endpoint id | -errno; the request is used up either way. */
napi_value sanswitch_fabric_accept(napi_env env, napi_callback_info info);
/** fabricReject(listener, request, data) -> 0 | -errno; the request is used up. */
napi_value sanswitch_fabric_reject(napi_env env, napi_callback_info info);
/** fabricRegister(domain, view, offset, bytes, remoteAccess) -> region id | -errno. */
napi_value sanswitch_fabric_register(napi_env env, napi_callback_info info);
/** fabricRegion(region) -> { key: bigint, address: bigint }: what the peer needs. */
napi_value sanswitch_fabric_region(napi_env env, napi_callback_info info);
/** fabricRemote(endpoint, slot, key, address, bytes) -> 0: a peer region for RDMA. */
napi_value sanswitch_fabric_remote(napi_env env, napi_callback_info info);
/** fabricPost(endpoint, view, sq, capacity) -> work requests posted | -errno. */
napi_value sanswitch_fabric_post(napi_env env, napi_callback_info info);
/** fabricComplete(domain, view, cq, capacity) -> completions written | -errno. */
napi_value sanswitch_fabric_complete(napi_env env, napi_callback_info info);
#endif

#endif
