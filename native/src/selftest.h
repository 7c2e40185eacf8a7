/* The start-up self-test of the shared-memory mechanism (rule 9 of ARCHITECTURE.md). */
#ifndef SANSWITCH_SELFTEST_H
#define SANSWITCH_SELFTEST_H

#include <node_api.h>

/** selfTest(view, offset) -> {ok: boolean, reason: string | null}. */
napi_value sanswitch_self_test(napi_env env, napi_callback_info info);

#endif
