/* The fabric objects one process holds (domains, listeners, endpoints, connection requests,
 * memory regions), named to JavaScript by small integer ids: an index plus a generation, so
 * that an id that outlived its object (an event queued before a close) matches nothing. */
#ifndef SANSWITCH_FABRIC_OBJECTS_H
#define SANSWITCH_FABRIC_OBJECTS_H

#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fabric-lib.h"

/** Most objects at once (ids keep 16 bits of index). */
#define FABRIC_MAX_OBJECTS 65536
/** Peer regions an endpoint can address with RDMA (the SQE's remote_key is a slot). */
#define FABRIC_REMOTE_SLOTS 16

typedef enum {
  FABRIC_FREE = 0,
  FABRIC_DOMAIN,
  FABRIC_LISTENER,
  FABRIC_ENDPOINT,
  FABRIC_REQUEST,
  FABRIC_REGION,
} fabric_kind;

#ifdef SANSWITCH_HAVE_FABRIC
/** A region of the peer's memory, as the peer published it (untrusted: bounds only). */
typedef struct {
  uint64_t key;
  uint64_t address;
  uint64_t bytes;
} fabric_remote;

typedef struct {
  fabric_kind kind;
  uint16_t generation;
  /** The id of the domain this object belongs to (a domain: its own). */
  int32_t domain;
  union {
    struct {
      struct fi_info *info;
      struct fid_fabric *fabric;
      struct fid_domain *domain;
      struct fid_eq *eq;
      struct fid_cq *cq;
      int eq_fd;
      int cq_fd;
    } d;
    struct {
      struct fid_pep *pep;
    } listener;
    struct {
      struct fid_ep *ep;
      fabric_remote remotes[FABRIC_REMOTE_SLOTS];
    } endpoint;
    struct {
      struct fi_info *info;
    } request;
    struct {
      struct fid_mr *mr;
      uint8_t *base;
      size_t bytes;
      void *desc;
    } region;
  } u;
} fabric_object;

/** A new object of `kind` in `domain` (-1: the object is a domain), or NULL when full. */
fabric_object *fabric_new(fabric_kind kind, int32_t domain, int32_t *id);
/** The live object `id` of `kind`, or NULL. */
fabric_object *fabric_find(int32_t id, fabric_kind kind);
/** Closes the object's libfabric resources (a domain: its children first) and frees its id. */
int fabric_release(int32_t id);
/** The context libfabric carries for an object: its id. */
#define FABRIC_CONTEXT(id) ((void *)(uintptr_t)(uint32_t)(id))
#define FABRIC_CONTEXT_ID(context) ((int32_t)(uint32_t)(uintptr_t)(context))
/** A libfabric status (-FI_E*) as the negative errno the SPI uses. */
int fabric_status(ssize_t status);
#endif

/** Reads an id argument; throws RangeError when it is not an id at all. */
bool fabric_id_arg(napi_env env, napi_value value, const char *name, int32_t *id);

#endif
