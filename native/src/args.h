/* Argument checks shared by every exported function. A wrong argument is a programmer error
 * and throws (TypeError ERR_INVALID_ARG_TYPE / RangeError ERR_OUT_OF_RANGE); failures of the
 * operating system are returned as negative errno numbers instead (see src/native/addon.ts). */
#ifndef SANSWITCH_ARGS_H
#define SANSWITCH_ARGS_H

#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Most file descriptors one channel message carries. */
#define SHIM_MAX_FDS 16

/* Each returns false after throwing (or when a napi call failed and left an exception). */
bool shim_args(napi_env env, napi_callback_info info, size_t required, size_t count,
               napi_value *argv, napi_value *this_arg);
bool shim_int64(napi_env env, napi_value value, const char *name, int64_t min, int64_t max,
                int64_t *out);
bool shim_fd(napi_env env, napi_value value, const char *name, int *out);
bool shim_function(napi_env env, napi_value value, const char *name);
bool shim_bytes(napi_env env, napi_value value, const char *name, uint8_t **data, size_t *bytes);
bool shim_fd_array(napi_env env, napi_value value, const char *name, int *fds, size_t *count);
/** Copies a path argument into `out`; sets *too_long (copying nothing) when it does not fit. */
bool shim_path(napi_env env, napi_value value, const char *name, char *out, size_t capacity,
               bool *too_long);
bool shim_is_undefined(napi_env env, napi_value value);

/** Throws a RangeError with code ERR_OUT_OF_RANGE; returns false for `return shim_...`. */
bool shim_range_error(napi_env env, const char *message);

/** A number (status, fd, count) as a JavaScript value, or NULL with an exception pending. */
napi_value shim_int(napi_env env, int64_t value);
/** Sets object[name] = value (a number); false on failure. */
bool shim_set_int(napi_env env, napi_value object, const char *name, int64_t value);

/** The kernel page size in bytes: the alignment of every window. */
size_t shim_page_bytes(void);

#endif
