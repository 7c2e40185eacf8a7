/* The layout constants as a JavaScript object (see layout.c). */
#ifndef SANSWITCH_LAYOUT_H
#define SANSWITCH_LAYOUT_H

#include <node_api.h>

/** layout() -> { NAME: number, ... } for every constant of assembly/layout.ts. */
napi_value sanswitch_layout(napi_env env, napi_callback_info info);

#endif
