/* The verbs backend's probe: which RDMA devices libibverbs finds here. The data path (posting
 * work requests read from rings) is not built yet; see the verbs provider in src/. */
#ifndef SANSWITCH_VERBS_H
#define SANSWITCH_VERBS_H

#include <node_api.h>

/**
 * verbsProbe() -> {built: boolean, devices: string[], error: string | null}. `built` is false
 * when the shim was compiled without libibverbs' headers; `error` says why the device list
 * could not be read (ibv_get_device_list returns NULL on these machines, with errno set).
 */
napi_value sanswitch_verbs_probe(napi_env env, napi_callback_info info);

#endif
