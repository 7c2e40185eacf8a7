/* The fabric data path: memory registration inside a shared WASM memory, the peer regions an
 * endpoint may address, and the two queues between the WASM core and libfabric. The core
 * writes work requests into a submission ring (the shim consumes it and posts each with
 * fi_send, fi_recv, fi_write or fi_read, tagged with the slot's user_data); the shim writes
 * every completion, errors included, into a completion ring that the core consumes. Both
 * rings follow assembly/ring.ts; the shim only checks what it must not post blindly. */
#include "fabric.h"

#ifdef SANSWITCH_HAVE_FABRIC
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "args.h"
#include "fabric-objects.h"
#include "layout.generated.h"
#include "window.h"

/** Completions moved per fi_cq_read call. */
#define FABRIC_CQ_BATCH 64

static fabric_object *find_arg(napi_env env, napi_value value, const char *name, fabric_kind kind,
                               int32_t *id) {
  if (!fabric_id_arg(env, value, name, id)) return NULL;
  fabric_object *object = fabric_find(*id, kind);
  if (object == NULL) shim_range_error(env, "no open fabric object of that kind has that id");
  return object;
}

napi_value sanswitch_fabric_register(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  int32_t domain, id;
  memory_view view;
  int64_t offset, bytes, remote;
  fabric_object *d;
  if (!shim_args(env, info, 5, 5, argv, NULL) ||
      (d = find_arg(env, argv[0], "domain", FABRIC_DOMAIN, &domain)) == NULL ||
      !window_view(env, argv[1], &view) ||
      !shim_int64(env, argv[2], "offset", SHIM_WINDOW_FLOOR_BYTES, INT32_MAX, &offset) ||
      !shim_int64(env, argv[3], "bytes", 1, INT32_MAX, &bytes) ||
      !shim_int64(env, argv[4], "remoteAccess", 0, 3, &remote))
    return NULL;
  // libfabric checks nothing: a peer's write into a registered range the memory has not
  // committed kills this process (notes/libfabric.md, "RMA").
  if ((uint64_t)offset + (uint64_t)bytes > view.bytes) {
    shim_range_error(env, "the region must lie inside memory.buffer.byteLength");
    return NULL;
  }
  uint64_t access = FI_SEND | FI_RECV | FI_READ | FI_WRITE;
  if (remote & 1) access |= FI_REMOTE_READ;
  if (remote & 2) access |= FI_REMOTE_WRITE;
  // Where the provider takes requested keys, a random one: any connected peer of the domain
  // that learns a key may use it, so keys must not be guessable.
  uint64_t key = 0;
  if ((d->u.d.info->domain_attr->mr_mode & FI_MR_PROV_KEY) == 0 &&
      getrandom(&key, sizeof key, 0) != sizeof key)
    return shim_int(env, -errno);
  fabric_object *region = fabric_new(FABRIC_REGION, domain, &id);
  if (region == NULL) return shim_int(env, -EMFILE);
  region->u.region.base = view.base + offset;
  region->u.region.bytes = (size_t)bytes;
  int status = fabric_status(fi_mr_reg(d->u.d.domain, region->u.region.base, (size_t)bytes, access,
                                       0, key, 0, &region->u.region.mr, FABRIC_CONTEXT(id)));
  if (status < 0) {
    fabric_release(id);
    return shim_int(env, status);
  }
  region->u.region.desc = fi_mr_desc(region->u.region.mr);
  return shim_int(env, id);
}

napi_value sanswitch_fabric_region(napi_env env, napi_callback_info info) {
  napi_value argv[1], result, key, address;
  int32_t id;
  fabric_object *region;
  if (!shim_args(env, info, 1, 1, argv, NULL) ||
      (region = find_arg(env, argv[0], "region", FABRIC_REGION, &id)) == NULL)
    return NULL;
  fabric_object *d = fabric_find(region->domain, FABRIC_DOMAIN);
  bool virtual_address = d != NULL && (d->u.d.info->domain_attr->mr_mode & FI_MR_VIRT_ADDR);
  uint64_t base = virtual_address ? (uint64_t)(uintptr_t)region->u.region.base : 0;
  if (napi_create_object(env, &result) != napi_ok ||
      napi_create_bigint_uint64(env, fi_mr_key(region->u.region.mr), &key) != napi_ok ||
      napi_create_bigint_uint64(env, base, &address) != napi_ok ||
      napi_set_named_property(env, result, "key", key) != napi_ok ||
      napi_set_named_property(env, result, "address", address) != napi_ok)
    return NULL;
  return result;
}

static bool bigint_arg(napi_env env, napi_value value, const char *name, uint64_t *out) {
  bool lossless;
  if (napi_get_value_bigint_uint64(env, value, out, &lossless) == napi_ok && lossless) return true;
  napi_value ignored;
  napi_get_and_clear_last_exception(env, &ignored);
  char message[80];
  snprintf(message, sizeof message, "The \"%s\" argument must be a bigint of 64 bits", name);
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return false;
}

napi_value sanswitch_fabric_remote(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  int32_t id;
  int64_t slot, bytes;
  uint64_t key, address;
  fabric_object *endpoint;
  if (!shim_args(env, info, 5, 5, argv, NULL) ||
      (endpoint = find_arg(env, argv[0], "endpoint", FABRIC_ENDPOINT, &id)) == NULL ||
      !shim_int64(env, argv[1], "slot", 0, FABRIC_REMOTE_SLOTS - 1, &slot) ||
      !bigint_arg(env, argv[2], "key", &key) || !bigint_arg(env, argv[3], "address", &address) ||
      !shim_int64(env, argv[4], "bytes", 0, INT32_MAX, &bytes))
    return NULL;
  endpoint->u.endpoint.remotes[slot] = (fabric_remote){key, address, (uint64_t)bytes};
  return shim_int(env, 0);
}

/* Checks a ring of `capacity` slots of `slot_bytes` at `at` lies inside the view. */
static bool ring_arg(napi_env env, napi_value at_value, napi_value capacity_value,
                     const memory_view *view, size_t slot_bytes, uint8_t **ring, uint32_t *capacity) {
  int64_t at, slots;
  if (!shim_int64(env, at_value, "ring", 0, INT32_MAX, &at) ||
      !shim_int64(env, capacity_value, "capacity", 1, SANSWITCH_RING_MAX_CAPACITY, &slots))
    return false;
  if ((slots & (slots - 1)) != 0 || at % 64 != 0 ||
      (uint64_t)at + SANSWITCH_RING_HEADER_BYTES + (uint64_t)slots * slot_bytes > view->bytes)
    return shim_range_error(env, "the ring must be aligned, a power of two, inside the memory");
  *ring = view->base + at;
  *capacity = (uint32_t)slots;
  return true;
}

static uint32_t *cursor(uint8_t *ring, size_t offset) { return (uint32_t *)(void *)(ring + offset); }

/* The local buffer of a work request: inside its registration, which is inside the view. */
static fabric_object *local_region(const memory_view *view, int32_t domain, uint32_t key,
                                   uint32_t address, uint32_t length, uint8_t **buffer) {
  fabric_object *region = fabric_find((int32_t)key, FABRIC_REGION);
  if (region == NULL || region->domain != domain) return NULL;
  uint8_t *at = view->base + address;
  if (at < region->u.region.base ||
      (uint64_t)(at - region->u.region.base) + length > region->u.region.bytes)
    return NULL;
  *buffer = at;
  return region;
}

/* Posts one work request; -EINVAL for one the core should never have written. */
static ssize_t post_one(fabric_object *endpoint, int32_t id, const memory_view *view,
                        const uint8_t *sqe) {
  uint16_t opcode;
  uint32_t length, local, key, remote_offset, remote_slot;
  uint64_t user_data;
  memcpy(&opcode, sqe + SANSWITCH_SQE_OPCODE_OFFSET, sizeof opcode);
  memcpy(&length, sqe + SANSWITCH_SQE_LENGTH_OFFSET, sizeof length);
  memcpy(&user_data, sqe + SANSWITCH_SQE_USER_DATA_OFFSET, sizeof user_data);
  memcpy(&local, sqe + SANSWITCH_SQE_LOCAL_OFFSET_OFFSET, sizeof local);
  memcpy(&key, sqe + SANSWITCH_SQE_LOCAL_KEY_OFFSET, sizeof key);
  memcpy(&remote_offset, sqe + SANSWITCH_SQE_REMOTE_OFFSET_OFFSET, sizeof remote_offset);
  memcpy(&remote_slot, sqe + SANSWITCH_SQE_REMOTE_KEY_OFFSET, sizeof remote_slot);
  uint8_t *buffer;
  fabric_object *region = local_region(view, endpoint->domain, key, local, length, &buffer);
  if (region == NULL || user_data > UINT32_MAX) return -EINVAL;
  void *context = (void *)(uintptr_t)(((uint64_t)(uint32_t)id << 32) | user_data);
  struct fid_ep *ep = endpoint->u.endpoint.ep;
  void *desc = region->u.region.desc;
  if (opcode == SANSWITCH_OP_SEND) return fi_send(ep, buffer, length, desc, 0, context);
  if (opcode == SANSWITCH_OP_RECV) return fi_recv(ep, buffer, length, desc, 0, context);
  if (opcode != SANSWITCH_OP_RDMA_WRITE && opcode != SANSWITCH_OP_RDMA_READ) return -EINVAL;
  // The peer's region is bounded by what it published; its NIC checks the key.
  if (remote_slot >= FABRIC_REMOTE_SLOTS) return -EINVAL;
  const fabric_remote *peer = &endpoint->u.endpoint.remotes[remote_slot];
  if ((uint64_t)remote_offset + length > peer->bytes) return -EINVAL;
  uint64_t address = peer->address + remote_offset;
  if (opcode == SANSWITCH_OP_RDMA_WRITE)
    return fi_write(ep, buffer, length, desc, 0, address, peer->key, context);
  return fi_read(ep, buffer, length, desc, 0, address, peer->key, context);
}

napi_value sanswitch_fabric_post(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t id;
  memory_view view;
  uint8_t *ring;
  uint32_t capacity;
  fabric_object *endpoint;
  if (!shim_args(env, info, 4, 4, argv, NULL) ||
      (endpoint = find_arg(env, argv[0], "endpoint", FABRIC_ENDPOINT, &id)) == NULL ||
      !window_view(env, argv[1], &view) ||
      !ring_arg(env, argv[2], argv[3], &view, SANSWITCH_SQE_BYTES, &ring, &capacity))
    return NULL;
  uint32_t head = __atomic_load_n(cursor(ring, SANSWITCH_RING_HEAD_OFFSET), __ATOMIC_RELAXED);
  uint32_t tail = __atomic_load_n(cursor(ring, SANSWITCH_RING_TAIL_OFFSET), __ATOMIC_ACQUIRE);
  if (tail - head > capacity) return shim_int(env, -EPROTO);
  int64_t posted = 0;
  for (; head != tail; head++, posted++) {
    const uint8_t *sqe = ring + SANSWITCH_RING_HEADER_BYTES +
                         (size_t)(head & (capacity - 1)) * SANSWITCH_SQE_BYTES;
    ssize_t status = post_one(endpoint, id, &view, sqe);
    // A full transmit queue empties as completions are read: the caller posts the rest then.
    if (status == -FI_EAGAIN) break;
    if (status < 0) {
      __atomic_store_n(cursor(ring, SANSWITCH_RING_HEAD_OFFSET), head, __ATOMIC_RELEASE);
      return shim_int(env, posted > 0 ? posted : fabric_status(status));
    }
  }
  __atomic_store_n(cursor(ring, SANSWITCH_RING_HEAD_OFFSET), head, __ATOMIC_RELEASE);
  return shim_int(env, posted);
}

static uint32_t opcode_of(uint64_t flags) {
  if (flags & FI_RECV) return SANSWITCH_OP_RECV;
  if (flags & FI_SEND) return SANSWITCH_OP_SEND;
  if (flags & FI_READ) return SANSWITCH_OP_RDMA_READ;
  if (flags & FI_WRITE) return SANSWITCH_OP_RDMA_WRITE;
  return 0;
}

/* Writes one completion at slot `tail` unless its endpoint is gone; returns 1 or 0. */
static uint32_t push(uint8_t *ring, uint32_t capacity, uint32_t tail, void *context,
                     int32_t result, uint64_t flags) {
  uint64_t tag = (uint64_t)(uintptr_t)context;
  // An endpoint closed with work outstanding: nobody waits for these any more.
  if (fabric_find((int32_t)(tag >> 32), FABRIC_ENDPOINT) == NULL) return 0;
  uint8_t *cqe = ring + SANSWITCH_RING_HEADER_BYTES + (size_t)(tail & (capacity - 1)) * SANSWITCH_CQE_BYTES;
  uint64_t user_data = tag & UINT32_MAX;
  uint32_t op = opcode_of(flags);
  memcpy(cqe + SANSWITCH_CQE_USER_DATA_OFFSET, &user_data, sizeof user_data);
  memcpy(cqe + SANSWITCH_CQE_RESULT_OFFSET, &result, sizeof result);
  memcpy(cqe + SANSWITCH_CQE_FLAGS_OFFSET, &op, sizeof op);
  return 1;
}

napi_value sanswitch_fabric_complete(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t domain;
  memory_view view;
  uint8_t *ring;
  uint32_t capacity;
  fabric_object *d;
  if (!shim_args(env, info, 4, 4, argv, NULL) ||
      (d = find_arg(env, argv[0], "domain", FABRIC_DOMAIN, &domain)) == NULL ||
      !window_view(env, argv[1], &view) ||
      !ring_arg(env, argv[2], argv[3], &view, SANSWITCH_CQE_BYTES, &ring, &capacity))
    return NULL;
  uint32_t head = __atomic_load_n(cursor(ring, SANSWITCH_RING_HEAD_OFFSET), __ATOMIC_ACQUIRE);
  uint32_t tail = __atomic_load_n(cursor(ring, SANSWITCH_RING_TAIL_OFFSET), __ATOMIC_RELAXED);
  if (tail - head > capacity) return shim_int(env, -EPROTO);
  int64_t written = 0;
  while (tail - head < capacity) {
    struct fi_cq_msg_entry entries[FABRIC_CQ_BATCH];
    size_t room = capacity - (tail - head);
    ssize_t got = fi_cq_read(d->u.d.cq, entries, room < FABRIC_CQ_BATCH ? room : FABRIC_CQ_BATCH);
    if (got == -FI_EAGAIN) break;
    if (got == -FI_EAVAIL) {
      struct fi_cq_err_entry error = {0};
      if (fi_cq_readerr(d->u.d.cq, &error, 0) < 0) break;
      int32_t result = fabric_status(-(ssize_t)(error.err ? error.err : FI_EIO));
      uint32_t n = push(ring, capacity, tail, error.op_context, result, error.flags);
      tail += n;
      written += n;
      continue;
    }
    if (got < 0) {
      __atomic_store_n(cursor(ring, SANSWITCH_RING_TAIL_OFFSET), tail, __ATOMIC_RELEASE);
      return shim_int(env, written > 0 ? written : fabric_status(got));
    }
    for (ssize_t i = 0; i < got; i++) {
      int32_t length = entries[i].len > INT32_MAX ? INT32_MAX : (int32_t)entries[i].len;
      uint32_t n = push(ring, capacity, tail, entries[i].op_context, length, entries[i].flags);
      tail += n;
      written += n;
    }
  }
  __atomic_store_n(cursor(ring, SANSWITCH_RING_TAIL_OFFSET), tail, __ATOMIC_RELEASE);
  return shim_int(env, written);
}
#endif
