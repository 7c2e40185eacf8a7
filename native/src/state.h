/* Per-environment state of the shim (one per Node thread that loads it): the windows it has
 * mapped, and the class of watcher handles. */
#ifndef SANSWITCH_STATE_H
#define SANSWITCH_STATE_H

#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** One mapped window; `buffer` strongly references the memory's buffer while it exists. */
typedef struct shim_window {
  struct shim_window *next;
  uint8_t *base;
  size_t offset;
  size_t bytes;
  napi_ref buffer;
} shim_window;

typedef struct {
  shim_window *windows;
  napi_ref watcher_class;
} shim_state;

/** Creates this environment's state; freed when the environment is torn down. */
bool shim_state_init(napi_env env);
/** This environment's state, or NULL (with an exception pending) when it has none. */
shim_state *shim_state_get(napi_env env);

#endif
