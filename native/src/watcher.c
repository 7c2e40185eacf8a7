/* The uv_poll handle behind doorbellWatch and channelWatch: calls JavaScript on its loop
 * thread through napi_make_callback, keeps its handle object alive while open, and closes
 * itself at environment teardown (an async hook: uv_close completes on a later loop turn). */
#include "watcher.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>
#include <uv.h>

#include "state.h"

#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x00000008
#endif

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_ref self;
  napi_async_context context;
  napi_async_cleanup_hook_handle cleanup;
  int fd;
  bool drain;
  bool closing;
} watcher;

static void on_closed(uv_handle_t *handle) {
  watcher *w = handle->data;
  // Unregisters the hook, or tells a running teardown that this watcher is done.
  napi_remove_async_cleanup_hook(w->cleanup);
  free(w);
}

/* Frees a watcher that failed before its cleanup hook was registered. */
static void on_closed_early(uv_handle_t *handle) { free(handle->data); }

static void on_teardown(napi_async_cleanup_hook_handle handle, void *data) {
  (void)handle;
  watcher *w = data;
  // JavaScript is gone: only the libuv handle is left to close.
  if (w->closing) return;
  w->closing = true;
  uv_close((uv_handle_t *)&w->poll, on_closed);
}

/* Closes a watcher from JavaScript: drops its references, then the libuv handle. */
static void close_from_js(watcher *w, napi_value self) {
  w->closing = true;
  napi_remove_wrap(w->env, self, NULL);
  napi_delete_reference(w->env, w->callback);
  napi_delete_reference(w->env, w->self);
  napi_async_destroy(w->env, w->context);
  uv_close((uv_handle_t *)&w->poll, on_closed);
}

/* Resets an eventfd's counter. Returns 1 when it was set, 0 when it was already zero (a
 * coalesced wake-up), or -errno. RWF_NOWAIT keeps the read from blocking even if a peer
 * holding the same file clears its O_NONBLOCK flag. */
static int drain(int fd) {
  uint64_t count;
  struct iovec buffer = {&count, sizeof count};
  ssize_t got = preadv2(fd, &buffer, 1, -1, RWF_NOWAIT);
  if (got < 0 && (errno == EOPNOTSUPP || errno == ENOSYS)) got = read(fd, &count, sizeof count);
  if (got == (ssize_t)sizeof count) return 1;
  if (got < 0 && errno == EAGAIN) return 0;
  return got < 0 ? -errno : -EPROTO;
}

static void call_back(watcher *w, int64_t argument) {
  napi_env env = w->env;
  napi_handle_scope scope;
  napi_value callback, self, value;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  if (napi_get_reference_value(env, w->callback, &callback) == napi_ok &&
      napi_get_reference_value(env, w->self, &self) == napi_ok &&
      napi_create_int64(env, argument, &value) == napi_ok &&
      napi_make_callback(env, w->context, self, callback, 1, &value, NULL) ==
          napi_pending_exception) {
    // Nothing above us can catch it: report it as Node reports any callback's exception.
    napi_value error;
    napi_get_and_clear_last_exception(env, &error);
    napi_fatal_exception(env, error);
  }
  napi_close_handle_scope(env, scope);
}

static void on_poll(uv_poll_t *poll, int status, int events) {
  watcher *w = poll->data;
  if (status == 0 && w->drain) {
    status = drain(w->fd);
    if (status == 0) return;
  }
  // A failing fd would wake the loop forever: stop before reporting it.
  if (status < 0) uv_poll_stop(poll);
  call_back(w, status < 0 ? status : events);
}

static watcher *unwrap(napi_env env, napi_callback_info info, napi_value *self) {
  void *data = NULL;
  size_t argc = 0;
  if (napi_get_cb_info(env, info, &argc, NULL, self, NULL) != napi_ok) return NULL;
  // A closed handle has no native part left, and then every method is a no-op.
  if (napi_unwrap(env, *self, &data) != napi_ok) return NULL;
  return data;
}

static napi_value method_close(napi_env env, napi_callback_info info) {
  napi_value self;
  watcher *w = unwrap(env, info, &self);
  if (w != NULL && !w->closing) close_from_js(w, self);
  return NULL;
}

static napi_value method_ref(napi_env env, napi_callback_info info) {
  napi_value self;
  watcher *w = unwrap(env, info, &self);
  if (w != NULL && !w->closing) uv_ref((uv_handle_t *)&w->poll);
  return self;
}

static napi_value method_unref(napi_env env, napi_callback_info info) {
  napi_value self;
  watcher *w = unwrap(env, info, &self);
  if (w != NULL && !w->closing) uv_unref((uv_handle_t *)&w->poll);
  return self;
}

static napi_value method_has_ref(napi_env env, napi_callback_info info) {
  napi_value self, result;
  watcher *w = unwrap(env, info, &self);
  bool active = w != NULL && !w->closing && uv_has_ref((uv_handle_t *)&w->poll);
  return napi_get_boolean(env, active, &result) == napi_ok ? result : NULL;
}

static napi_value construct(napi_env env, napi_callback_info info) {
  napi_value self;
  size_t argc = 0;
  return napi_get_cb_info(env, info, &argc, NULL, &self, NULL) == napi_ok ? self : NULL;
}

bool watcher_define_class(napi_env env) {
  const napi_property_descriptor methods[] = {
      {"close", NULL, method_close, NULL, NULL, NULL, napi_default, NULL},
      {"ref", NULL, method_ref, NULL, NULL, NULL, napi_default, NULL},
      {"unref", NULL, method_unref, NULL, NULL, NULL, napi_default, NULL},
      {"hasRef", NULL, method_has_ref, NULL, NULL, NULL, napi_default, NULL},
  };
  shim_state *state = shim_state_get(env);
  napi_value class;
  return state != NULL &&
         napi_define_class(env, "Watcher", NAPI_AUTO_LENGTH, construct, NULL,
                           sizeof methods / sizeof methods[0], methods, &class) == napi_ok &&
         napi_create_reference(env, class, 1, &state->watcher_class) == napi_ok;
}

/* Creates the handle object and the references that tie it to `w`. */
static bool bind_object(napi_env env, watcher *w, napi_value callback, const char *name,
                        napi_value *self) {
  shim_state *state = shim_state_get(env);
  napi_value class, resource_name;
  return state != NULL &&
         napi_get_reference_value(env, state->watcher_class, &class) == napi_ok &&
         napi_new_instance(env, class, 0, NULL, self) == napi_ok &&
         napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource_name) == napi_ok &&
         napi_async_init(env, *self, resource_name, &w->context) == napi_ok &&
         napi_create_reference(env, callback, 1, &w->callback) == napi_ok &&
         napi_create_reference(env, *self, 1, &w->self) == napi_ok &&
         napi_wrap(env, *self, w, NULL, NULL, NULL) == napi_ok;
}

napi_value watcher_start(napi_env env, int fd, int events, bool drain, napi_value callback,
                         const char *name) {
  struct uv_loop_s *loop;
  napi_value self;
  watcher *w = calloc(1, sizeof *w);
  if (w == NULL) {
    napi_throw_error(env, "ENOMEM", "sanswitch: out of memory");
    return NULL;
  }
  w->env = env;
  w->fd = fd;
  w->drain = drain;
  w->poll.data = w;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    free(w);
    return NULL;
  }
  int status = uv_poll_init(loop, &w->poll, fd);
  if (status < 0) {
    free(w);
    napi_value result;
    return napi_create_int32(env, status, &result) == napi_ok ? result : NULL;
  }
  // From here on the handle belongs to the loop, and only a close callback frees it. A
  // failing napi call here means the environment is failing: its references die with it.
  if (!bind_object(env, w, callback, name, &self) ||
      napi_add_async_cleanup_hook(env, on_teardown, w, &w->cleanup) != napi_ok) {
    w->closing = true;
    uv_close((uv_handle_t *)&w->poll, on_closed_early);
    return NULL;
  }
  status = uv_poll_start(&w->poll, events, on_poll);
  if (status < 0) {
    close_from_js(w, self);
    return napi_create_int32(env, status, &self) == napi_ok ? self : NULL;
  }
  return self;
}
