/* Connection management over libfabric: one domain per provider with one event queue and one
 * completion queue (each with an fd for uv_poll), passive endpoints, connect, the connection
 * request with the peer's private data, accept and reject with ours, and the events. The
 * private data is opaque here: the switch's TypeScript writes and checks it. */
#include "fabric.h"

#ifdef SANSWITCH_HAVE_FABRIC
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "args.h"
#include "fabric-info.h"
#include "fabric-objects.h"
#include "watcher.h"

/** Completions one CQ holds: the peer's data waits in the provider, not here, beyond it. */
#define FABRIC_CQ_ENTRIES 4096
/** Most private data a connect, accept or reject carries (the tcp provider's maximum). */
#define FABRIC_CM_DATA_BYTES 256

static napi_value out_of_memory(napi_env env) {
  napi_throw_error(env, "ENOMEM", "sanswitch: out of memory");
  return NULL;
}

/* Opens the domain's fabric, domain, EQ and CQ; frees what it opened on failure. */
static int open_domain(fabric_object *d, int32_t id, struct fi_info *info) {
  d->u.d.info = info;
  d->u.d.eq_fd = d->u.d.cq_fd = -1;
  int status = fabric.fabric(info->fabric_attr, &d->u.d.fabric, FABRIC_CONTEXT(id));
  if (status == 0) status = fi_domain(d->u.d.fabric, info, &d->u.d.domain, FABRIC_CONTEXT(id));
  struct fi_eq_attr eq_attr = {.size = 0, .wait_obj = FI_WAIT_FD};
  if (status == 0) status = fi_eq_open(d->u.d.fabric, &eq_attr, &d->u.d.eq, FABRIC_CONTEXT(id));
  struct fi_cq_attr cq_attr = {
      .size = FABRIC_CQ_ENTRIES, .format = FI_CQ_FORMAT_MSG, .wait_obj = FI_WAIT_FD};
  if (status == 0) status = fi_cq_open(d->u.d.domain, &cq_attr, &d->u.d.cq, FABRIC_CONTEXT(id));
  if (status == 0) status = fi_control(&d->u.d.eq->fid, FI_GETWAIT, &d->u.d.eq_fd);
  if (status == 0) status = fi_control(&d->u.d.cq->fid, FI_GETWAIT, &d->u.d.cq_fd);
  return fabric_status(status);
}

napi_value sanswitch_fabric_open(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  char provider[FABRIC_NAME_BYTES];
  if (!shim_args(env, info, 1, 1, argv, NULL) || !fabric_name_arg(env, argv[0], provider))
    return NULL;
  if (!fabric_load()->loaded) return shim_int(env, -ENOSYS);
  struct fi_info *hints = fabric_hints(provider), *infos = NULL;
  if (hints == NULL) return out_of_memory(env);
  int status = fabric.getinfo(FABRIC_API_VERSION, NULL, NULL, 0, hints, &infos);
  fabric.freeinfo(hints);
  if (status != 0) return shim_int(env, status == -FI_ENODATA ? -ENODEV : fabric_status(status));
  // The first match is the provider's preferred domain; the rest are not needed.
  struct fi_info *rest = infos->next;
  infos->next = NULL;
  if (rest != NULL) fabric.freeinfo(rest);
  int32_t id;
  fabric_object *d = fabric_new(FABRIC_DOMAIN, -1, &id);
  if (d == NULL) {
    fabric.freeinfo(infos);
    return shim_int(env, -EMFILE);
  }
  status = open_domain(d, id, infos);
  if (status < 0) {
    fabric_release(id);
    return shim_int(env, status);
  }
  return shim_int(env, id);
}

napi_value sanswitch_fabric_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t id;
  if (!shim_args(env, info, 1, 1, argv, NULL) || !fabric_id_arg(env, argv[0], "id", &id))
    return NULL;
  return shim_int(env, fabric_release(id));
}

static fabric_object *domain_arg(napi_env env, napi_value value, int32_t *id) {
  if (!fabric_id_arg(env, value, "domain", id)) return NULL;
  fabric_object *d = fabric_find(*id, FABRIC_DOMAIN);
  if (d == NULL) shim_range_error(env, "no open fabric domain has that id");
  return d;
}

napi_value sanswitch_fabric_watch(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t id;
  int64_t queue;
  fabric_object *d;
  if (!shim_args(env, info, 3, 3, argv, NULL) || (d = domain_arg(env, argv[0], &id)) == NULL ||
      !shim_int64(env, argv[1], "queue", 0, 1, &queue) ||
      !shim_function(env, argv[2], "callback"))
    return NULL;
  int fd = queue == 0 ? d->u.d.eq_fd : d->u.d.cq_fd;
  return watcher_start(env, fd, UV_READABLE, false, argv[2], "sanswitch:fabric");
}

napi_value sanswitch_fabric_try_wait(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t id;
  fabric_object *d;
  if (!shim_args(env, info, 1, 1, argv, NULL) || (d = domain_arg(env, argv[0], &id)) == NULL)
    return NULL;
  // The fds may be quiet while an entry is still queued (notes/libfabric.md, "Waiting").
  struct fid *fids[2] = {&d->u.d.eq->fid, &d->u.d.cq->fid};
  return shim_int(env, fabric_status(fi_trywait(d->u.d.fabric, fids, 2)));
}

/* fi_getinfo for one address and port, as a listener (FI_SOURCE) or as a peer. */
static int address_info(napi_env env, napi_value address, napi_value port, bool source,
                        const fabric_object *d, struct fi_info **out) {
  char node[INET6_ADDRSTRLEN];
  char service[8];
  bool too_long = false;
  int64_t number;
  if (!shim_path(env, address, "address", node, sizeof node, &too_long)) return 1;
  if (too_long) return shim_range_error(env, "the address is too long"), 1;
  if (!shim_int64(env, port, "port", source ? 0 : 1, 65535, &number)) return 1;
  snprintf(service, sizeof service, "%d", (int)number);
  struct fi_info *hints = fabric_hints(d->u.d.info->fabric_attr->prov_name);
  if (hints == NULL) return out_of_memory(env), 1;
  int status = fabric.getinfo(FABRIC_API_VERSION, node, service, source ? FI_SOURCE : 0, hints, out);
  fabric.freeinfo(hints);
  return status == -FI_ENODATA ? -EADDRNOTAVAIL : fabric_status(status);
}

napi_value sanswitch_fabric_listen(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t domain, id;
  fabric_object *d;
  struct fi_info *where = NULL;
  if (!shim_args(env, info, 3, 3, argv, NULL) || (d = domain_arg(env, argv[0], &domain)) == NULL)
    return NULL;
  int status = address_info(env, argv[1], argv[2], true, d, &where);
  if (status > 0) return NULL;
  if (status < 0) return shim_int(env, status);
  fabric_object *listener = fabric_new(FABRIC_LISTENER, domain, &id);
  if (listener == NULL) status = -EMFILE;
  if (status == 0)
    status = fi_passive_ep(d->u.d.fabric, where, &listener->u.listener.pep, FABRIC_CONTEXT(id));
  fabric.freeinfo(where);
  if (status == 0) status = fi_pep_bind(listener->u.listener.pep, &d->u.d.eq->fid, 0);
  if (status == 0) status = fi_listen(listener->u.listener.pep);
  status = fabric_status(status);
  if (status < 0 && listener != NULL) fabric_release(id);
  return shim_int(env, status < 0 ? status : id);
}

napi_value sanswitch_fabric_name(napi_env env, napi_callback_info info) {
  napi_value argv[2], result;
  int32_t id;
  if (!shim_args(env, info, 1, 2, argv, NULL) || !fabric_id_arg(env, argv[0], "id", &id))
    return NULL;
  bool peer = false;
  if (!shim_is_undefined(env, argv[1]) && napi_get_value_bool(env, argv[1], &peer) != napi_ok)
    return NULL;
  struct sockaddr_in6 address;
  size_t bytes = sizeof address;
  fabric_object *listener = fabric_find(id, FABRIC_LISTENER);
  fabric_object *endpoint = fabric_find(id, FABRIC_ENDPOINT);
  int status = -EBADF;
  if (listener != NULL && !peer) status = fi_getname(&listener->u.listener.pep->fid, &address, &bytes);
  if (endpoint != NULL)
    status = peer ? fi_getpeer(endpoint->u.endpoint.ep, &address, &bytes)
                  : fi_getname(&endpoint->u.endpoint.ep->fid, &address, &bytes);
  status = fabric_status(status);
  if (status < 0) return shim_int(env, status);
  if (napi_create_object(env, &result) != napi_ok ||
      !fabric_set_address(env, result, &address, bytes))
    return NULL;
  return result;
}

/* Reads a private-data argument (a Uint8Array of at most FABRIC_CM_DATA_BYTES). */
static bool data_arg(napi_env env, napi_value value, uint8_t **data, size_t *bytes) {
  if (!shim_bytes(env, value, "data", data, bytes)) return false;
  return *bytes <= FABRIC_CM_DATA_BYTES ||
         shim_range_error(env, "private data is limited to 256 bytes");
}

/* Opens an endpoint for `where` in domain `d`, bound to its EQ and CQ, and enables it. */
static int open_endpoint(fabric_object *d, struct fi_info *where, int32_t domain, int32_t *id) {
  fabric_object *endpoint = fabric_new(FABRIC_ENDPOINT, domain, id);
  if (endpoint == NULL) return -EMFILE;
  int status = fi_endpoint(d->u.d.domain, where, &endpoint->u.endpoint.ep, FABRIC_CONTEXT(*id));
  if (status == 0) status = fi_ep_bind(endpoint->u.endpoint.ep, &d->u.d.eq->fid, 0);
  if (status == 0)
    status = fi_ep_bind(endpoint->u.endpoint.ep, &d->u.d.cq->fid, FI_TRANSMIT | FI_RECV);
  if (status == 0) status = fi_enable(endpoint->u.endpoint.ep);
  status = fabric_status(status);
  if (status < 0) fabric_release(*id);
  return status;
}

napi_value sanswitch_fabric_connect(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t domain, id;
  fabric_object *d;
  uint8_t *data;
  size_t bytes;
  struct fi_info *where = NULL;
  if (!shim_args(env, info, 4, 4, argv, NULL) || (d = domain_arg(env, argv[0], &domain)) == NULL ||
      !data_arg(env, argv[3], &data, &bytes))
    return NULL;
  int status = address_info(env, argv[1], argv[2], false, d, &where);
  if (status > 0) return NULL;
  if (status == 0) status = open_endpoint(d, where, domain, &id);
  if (status == 0) {
    fabric_object *endpoint = fabric_find(id, FABRIC_ENDPOINT);
    status = fabric_status(fi_connect(endpoint->u.endpoint.ep, where->dest_addr, data, bytes));
    if (status < 0) fabric_release(id);
  }
  if (where != NULL) fabric.freeinfo(where);
  return shim_int(env, status < 0 ? status : id);
}

napi_value sanswitch_fabric_accept(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t request_id, id;
  uint8_t *data;
  size_t bytes;
  if (!shim_args(env, info, 2, 2, argv, NULL) ||
      !fabric_id_arg(env, argv[0], "request", &request_id) || !data_arg(env, argv[1], &data, &bytes))
    return NULL;
  fabric_object *request = fabric_find(request_id, FABRIC_REQUEST);
  fabric_object *d = request == NULL ? NULL : fabric_find(request->domain, FABRIC_DOMAIN);
  if (d == NULL) return shim_int(env, -EBADF);
  int status = open_endpoint(d, request->u.request.info, request->domain, &id);
  if (status == 0) {
    fabric_object *endpoint = fabric_find(id, FABRIC_ENDPOINT);
    status = fabric_status(fi_accept(endpoint->u.endpoint.ep, data, bytes));
    if (status < 0) fabric_release(id);
  }
  fabric_release(request_id);
  return shim_int(env, status < 0 ? status : id);
}

napi_value sanswitch_fabric_reject(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t listener_id, request_id;
  uint8_t *data;
  size_t bytes;
  if (!shim_args(env, info, 3, 3, argv, NULL) ||
      !fabric_id_arg(env, argv[0], "listener", &listener_id) ||
      !fabric_id_arg(env, argv[1], "request", &request_id) || !data_arg(env, argv[2], &data, &bytes))
    return NULL;
  fabric_object *listener = fabric_find(listener_id, FABRIC_LISTENER);
  fabric_object *request = fabric_find(request_id, FABRIC_REQUEST);
  if (listener == NULL || request == NULL) return shim_int(env, -EBADF);
  int status =
      fabric_status(fi_reject(listener->u.listener.pep, request->u.request.info->handle, data, bytes));
  fabric_release(request_id);
  return shim_int(env, status);
}

/* One event as { type, id, request, error, data, address, port }; the address is the
 * requesting peer's (a request's), else empty. */
static bool event_object(napi_env env, const char *type, int32_t id, int32_t request, int error,
                         const void *data, size_t bytes, const struct fi_info *peer,
                         napi_value *out) {
  napi_value value, buffer;
  void *copy;
  if (napi_create_object(env, out) != napi_ok ||
      !fabric_set_address(env, *out, peer ? peer->dest_addr : NULL, peer ? peer->dest_addrlen : 0) ||
      napi_create_string_utf8(env, type, NAPI_AUTO_LENGTH, &value) != napi_ok ||
      napi_set_named_property(env, *out, "type", value) != napi_ok ||
      !shim_set_int(env, *out, "id", id) || !shim_set_int(env, *out, "request", request) ||
      !shim_set_int(env, *out, "error", error) ||
      napi_create_buffer_copy(env, bytes, bytes ? data : "", &copy, &buffer) != napi_ok ||
      napi_set_named_property(env, *out, "data", buffer) != napi_ok)
    return false;
  return true;
}

/* Reads the error entry behind -FI_EAVAIL: a rejected or failed connect, a lost peer. */
static bool read_error(napi_env env, fabric_object *d, napi_value *out) {
  uint8_t data[FABRIC_CM_DATA_BYTES];
  struct fi_eq_err_entry entry = {.err_data = data, .err_data_size = sizeof data};
  ssize_t got = fi_eq_readerr(d->u.d.eq, &entry, 0);
  if (got < 0) return event_object(env, "error", 0, 0, fabric_status(got), NULL, 0, NULL, out);
  int32_t id = entry.fid == NULL ? 0 : FABRIC_CONTEXT_ID(entry.fid->context);
  size_t bytes = entry.err_data_size <= sizeof data ? entry.err_data_size : 0;
  return event_object(env, "error", id, 0, fabric_status(-(ssize_t)entry.err), data, bytes, NULL,
                      out);
}

/* Turns one CM entry into an event; a connection request keeps its fi_info as an object. */
static bool cm_event(napi_env env, int32_t domain, uint32_t event,
                     struct fi_eq_cm_entry *entry, size_t data_bytes, napi_value *out) {
  int32_t id = entry->fid == NULL ? 0 : FABRIC_CONTEXT_ID(entry->fid->context);
  if (event == FI_CONNREQ) {
    int32_t request_id = 0;
    fabric_object *request = fabric_new(FABRIC_REQUEST, domain, &request_id);
    if (request == NULL) {
      // Out of ids: refuse the peer at once rather than leave it waiting.
      fabric_object *listener = fabric_find(id, FABRIC_LISTENER);
      if (listener != NULL) fi_reject(listener->u.listener.pep, entry->info->handle, NULL, 0);
      fabric.freeinfo(entry->info);
      return event_object(env, "error", id, 0, -EMFILE, NULL, 0, NULL, out);
    }
    request->u.request.info = entry->info;
    return event_object(env, "request", id, request_id, 0, entry->data, data_bytes, entry->info,
                        out);
  }
  const char *type = event == FI_CONNECTED ? "connected" : event == FI_SHUTDOWN ? "shutdown" : "other";
  if (entry->info != NULL) fabric.freeinfo(entry->info);
  return event_object(env, type, id, 0, 0, entry->data, data_bytes, NULL, out);
}

napi_value sanswitch_fabric_events(napi_env env, napi_callback_info info) {
  napi_value argv[2], list;
  int32_t domain;
  int64_t max;
  fabric_object *d;
  if (!shim_args(env, info, 2, 2, argv, NULL) || (d = domain_arg(env, argv[0], &domain)) == NULL ||
      !shim_int64(env, argv[1], "max", 1, 1024, &max) || napi_create_array(env, &list) != napi_ok)
    return NULL;
  _Alignas(struct fi_eq_cm_entry) uint8_t buffer[sizeof(struct fi_eq_cm_entry) + FABRIC_CM_DATA_BYTES];
  struct fi_eq_cm_entry *entry = (struct fi_eq_cm_entry *)buffer;
  for (uint32_t count = 0; count < (uint32_t)max;) {
    uint32_t event = 0;
    napi_value item;
    ssize_t got = fi_eq_read(d->u.d.eq, &event, buffer, sizeof buffer, 0);
    if (got == -FI_EAGAIN) break;
    bool ok;
    if (got == -FI_EAVAIL) {
      ok = read_error(env, d, &item);
    } else if (got < 0) {
      return count == 0 ? shim_int(env, fabric_status(got)) : list;
    } else {
      size_t data_bytes = (size_t)got > sizeof *entry ? (size_t)got - sizeof *entry : 0;
      ok = cm_event(env, domain, event, entry, data_bytes, &item);
    }
    if (!ok || napi_set_element(env, list, count++, item) != napi_ok) return NULL;
  }
  return list;
}
#endif
