/* Argument checks shared by every exported function: programmer errors throw Node-style
 * TypeError/RangeError with a `code`; nothing here touches the operating system. */
#include "args.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static bool type_error(napi_env env, const char *name, const char *expected) {
  char message[160];
  snprintf(message, sizeof message, "The \"%s\" argument must be %s", name, expected);
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return false;
}

bool shim_range_error(napi_env env, const char *message) {
  napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
  return false;
}

bool shim_args(napi_env env, napi_callback_info info, size_t required, size_t count,
               napi_value *argv, napi_value *this_arg) {
  size_t given = count;
  if (napi_get_cb_info(env, info, &given, argv, this_arg, NULL) != napi_ok) return false;
  if (given < required) {
    char message[80];
    snprintf(message, sizeof message, "expected %zu arguments, got %zu", required, given);
    napi_throw_type_error(env, "ERR_MISSING_ARGS", message);
    return false;
  }
  return true;
}

bool shim_is_undefined(napi_env env, napi_value value) {
  napi_valuetype type;
  return napi_typeof(env, value, &type) == napi_ok && type == napi_undefined;
}

bool shim_int64(napi_env env, napi_value value, const char *name, int64_t min, int64_t max,
                int64_t *out) {
  napi_valuetype type;
  double number;
  if (napi_typeof(env, value, &type) != napi_ok) return false;
  if (type != napi_number) return type_error(env, name, "a number");
  if (napi_get_value_double(env, value, &number) != napi_ok) return false;
  // Reject NaN, fractions and values outside [min, max] before converting.
  if (!(number >= (double)min && number <= (double)max) || number != (double)(int64_t)number) {
    char message[160];
    snprintf(message, sizeof message,
             "The value of \"%s\" is out of range. It must be an integer >= %lld and <= %lld",
             name, (long long)min, (long long)max);
    return shim_range_error(env, message);
  }
  *out = (int64_t)number;
  return true;
}

bool shim_fd(napi_env env, napi_value value, const char *name, int *out) {
  int64_t fd;
  if (!shim_int64(env, value, name, 0, INT32_MAX, &fd)) return false;
  *out = (int)fd;
  return true;
}

bool shim_function(napi_env env, napi_value value, const char *name) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok) return false;
  return type == napi_function || type_error(env, name, "a function");
}

bool shim_bytes(napi_env env, napi_value value, const char *name, uint8_t **data, size_t *bytes) {
  bool is_typed;
  napi_typedarray_type type;
  void *pointer;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok) return false;
  if (!is_typed) return type_error(env, name, "a Uint8Array");
  if (napi_get_typedarray_info(env, value, &type, bytes, &pointer, NULL, NULL) != napi_ok)
    return false;
  if (type != napi_uint8_array) return type_error(env, name, "a Uint8Array");
  *data = pointer;
  return true;
}

bool shim_fd_array(napi_env env, napi_value value, const char *name, int *fds, size_t *count) {
  bool is_array;
  uint32_t length;
  if (napi_is_array(env, value, &is_array) != napi_ok) return false;
  if (!is_array) return type_error(env, name, "an array of file descriptors");
  if (napi_get_array_length(env, value, &length) != napi_ok) return false;
  if (length > SHIM_MAX_FDS) return shim_range_error(env, "too many file descriptors");
  for (uint32_t i = 0; i < length; i++) {
    napi_value element;
    if (napi_get_element(env, value, i, &element) != napi_ok) return false;
    if (!shim_fd(env, element, name, &fds[i])) return false;
  }
  *count = length;
  return true;
}

bool shim_path(napi_env env, napi_value value, const char *name, char *out, size_t capacity,
               bool *too_long) {
  napi_valuetype type;
  size_t length;
  if (napi_typeof(env, value, &type) != napi_ok) return false;
  if (type != napi_string) return type_error(env, name, "a string");
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) return false;
  *too_long = length >= capacity;
  if (*too_long) return true;
  if (napi_get_value_string_utf8(env, value, out, capacity, &length) != napi_ok) return false;
  // An embedded NUL would make the kernel see a different path than the caller named.
  if (length == 0 || strlen(out) != length) return type_error(env, name, "a non-empty path");
  return true;
}

napi_value shim_int(napi_env env, int64_t value) {
  napi_value result;
  return napi_create_int64(env, value, &result) == napi_ok ? result : NULL;
}

bool shim_set_int(napi_env env, napi_value object, const char *name, int64_t value) {
  napi_value number = shim_int(env, value);
  return number != NULL && napi_set_named_property(env, object, name, number) == napi_ok;
}

size_t shim_page_bytes(void) { return (size_t)sysconf(_SC_PAGESIZE); }
