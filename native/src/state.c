/* Per-environment state of the shim, kept as N-API instance data so that every worker thread
 * that loads the addon has its own and it is freed with that thread's environment. */
#include "state.h"

#include <stdlib.h>

static void finalize_state(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  shim_state *state = data;
  // The environment is going away: its references die with it, only our nodes remain.
  for (shim_window *window = state->windows, *next; window != NULL; window = next) {
    next = window->next;
    free(window);
  }
  free(state);
}

bool shim_state_init(napi_env env) {
  shim_state *state = calloc(1, sizeof *state);
  if (state == NULL) {
    napi_throw_error(env, "ENOMEM", "sanswitch: out of memory");
    return false;
  }
  if (napi_set_instance_data(env, state, finalize_state, NULL) != napi_ok) {
    free(state);
    return false;
  }
  return true;
}

shim_state *shim_state_get(napi_env env) {
  void *data = NULL;
  if (napi_get_instance_data(env, &data) != napi_ok || data == NULL) {
    napi_throw_error(env, NULL, "sanswitch: shim state missing");
    return NULL;
  }
  return data;
}
