/* The process's table of fabric objects and the one place that closes them. Objects live in
 * one process-wide table because libfabric's own objects are process-wide; the shim is
 * loaded on the main thread only (src/native/addon.ts). */
#include "fabric-objects.h"

#include <errno.h>
#include <stdlib.h>

#include "args.h"

bool fabric_id_arg(napi_env env, napi_value value, const char *name, int32_t *id) {
  int64_t number;
  if (!shim_int64(env, value, name, 0, INT32_MAX, &number)) return false;
  *id = (int32_t)number;
  return true;
}

#ifdef SANSWITCH_HAVE_FABRIC
static fabric_object *objects;
static uint32_t used;

static int32_t id_of(uint32_t index) { return (int32_t)(((uint32_t)objects[index].generation << 16) | index); }

fabric_object *fabric_new(fabric_kind kind, int32_t domain, int32_t *id) {
  if (objects == NULL && (objects = calloc(FABRIC_MAX_OBJECTS, sizeof *objects)) == NULL)
    return NULL;
  uint32_t index = 0;
  // Index 0 is never used, so that no id is 0 and a zeroed context names nothing.
  for (index = 1; index < used && objects[index].kind != FABRIC_FREE; index++) continue;
  if (index >= used) {
    if (index == FABRIC_MAX_OBJECTS) return NULL;
    used = index + 1;
  }
  fabric_object *object = &objects[index];
  uint16_t generation = (uint16_t)((object->generation + 1) & 0x7fff);
  *object = (fabric_object){.kind = kind, .generation = generation ? generation : 1};
  *id = id_of(index);
  object->domain = domain < 0 ? *id : domain;
  return object;
}

fabric_object *fabric_find(int32_t id, fabric_kind kind) {
  uint32_t index = (uint32_t)id & 0xffff;
  if (objects == NULL || index == 0 || index >= used) return NULL;
  fabric_object *object = &objects[index];
  if (object->kind != kind || id_of(index) != id) return NULL;
  return object;
}

static int close_fid(struct fid *fid) { return fid == NULL ? 0 : fabric_status(fi_close(fid)); }

int fabric_release(int32_t id) {
  uint32_t index = (uint32_t)id & 0xffff;
  if (objects == NULL || index == 0 || index >= used || objects[index].kind == FABRIC_FREE ||
      id_of(index) != id)
    return -EBADF;
  fabric_object *object = &objects[index];
  int status = 0;
  switch (object->kind) {
    case FABRIC_DOMAIN:
      // Everything opened in the domain goes first: libfabric refuses to close a CQ or EQ
      // that endpoints are still bound to.
      for (uint32_t i = 1; i < used; i++) {
        if (i != index && objects[i].kind != FABRIC_FREE && objects[i].domain == id)
          fabric_release(id_of(i));
      }
      status = close_fid(object->u.d.cq ? &object->u.d.cq->fid : NULL);
      if (object->u.d.eq) close_fid(&object->u.d.eq->fid);
      if (object->u.d.domain) close_fid(&object->u.d.domain->fid);
      if (object->u.d.fabric) close_fid(&object->u.d.fabric->fid);
      if (object->u.d.info) fabric.freeinfo(object->u.d.info);
      break;
    case FABRIC_LISTENER:
      status = close_fid(object->u.listener.pep ? &object->u.listener.pep->fid : NULL);
      break;
    case FABRIC_ENDPOINT:
      status = close_fid(object->u.endpoint.ep ? &object->u.endpoint.ep->fid : NULL);
      break;
    case FABRIC_REQUEST:
      if (object->u.request.info) fabric.freeinfo(object->u.request.info);
      break;
    case FABRIC_REGION:
      status = close_fid(object->u.region.mr ? &object->u.region.mr->fid : NULL);
      break;
    case FABRIC_FREE:
      break;
  }
  object->kind = FABRIC_FREE;
  return status;
}

int fabric_status(ssize_t status) {
  if (status >= 0) return (int)status;
  int error = (int)-status;
  if (error < FI_ERRNO_OFFSET) return -error;
  // libfabric's own numbers have no errno: name the two the SPI distinguishes.
  if (error == FI_ETRUNC || error == FI_ETOOSMALL) return -EMSGSIZE;
  if (error == FI_ENOKEY) return -EACCES;
  return -EIO;
}
#endif
