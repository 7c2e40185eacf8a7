// SPSC ring of fixed-size slots over a shared region: the one cursor protocol that message
// rings, work-request queues and completion queues are all built on.
// Each process keeps its own trusted copy of the ring's geometry in a private "local" block,
// so a peer can corrupt only the two cursors, and those are validated on every refresh.

import {
  RING_HEAD_OFFSET,
  RING_PARKED_OFFSET,
  RING_TAIL_OFFSET,
  RING_HEADER_BYTES,
  RING_MAX_CAPACITY,
  RING_MAX_SLOT_BYTES,
  RING_SLOT_ALIGN_BYTES,
  RING_LOCAL_BYTES,
  CACHE_LINE_BYTES,
} from './layout';
import { ERR_AGAIN, ERR_INVAL, ERR_PROTO } from './status';

// Private per-endpoint state (never in a shared window), one cache line:
//
//   +0 shared u32   absolute address of the ring header in this process
//   +4 mask u32     capacity - 1
//   +8 slotBytes    size of one slot
//   +12 cursor      producer: next slot to reserve; consumer: next slot to peek
//   +16 published   the cursor value last stored into shared memory
//   +20 peer        last validated value of the other side's cursor
@inline const L_SHARED: u32 = 0;
@inline const L_MASK: u32 = 4;
@inline const L_SLOT_BYTES: u32 = 8;
@inline const L_CURSOR: u32 = 12;
@inline const L_PUBLISHED: u32 = 16;
@inline const L_PEER: u32 = 20;

// A power-of-two capacity of aligned slots within the RING_MAX_* bounds.
function validGeometry(capacity: u32, slotBytes: u32): bool {
  if (capacity == 0 || capacity > RING_MAX_CAPACITY || (capacity & (capacity - 1)) != 0) {
    return false;
  }
  if (slotBytes == 0 || slotBytes > RING_MAX_SLOT_BYTES) return false;
  return (slotBytes & (RING_SLOT_ALIGN_BYTES - 1)) == 0;
}

/**
 * Bytes a ring of `capacity` slots of `slotBytes` occupies in shared memory; ERR_INVAL when
 * ringAttach would refuse that geometry or the ring would not fit below 2 GiB.
 */
export function ringBytes(capacity: u32, slotBytes: u32): i32 {
  if (!validGeometry(capacity, slotBytes)) return ERR_INVAL;
  const bytes = <u64>RING_HEADER_BYTES + <u64>capacity * <u64>slotBytes;
  return bytes > <u64>i32.MAX_VALUE ? ERR_INVAL : <i32>bytes;
}

/**
 * Sets both cursors of a new ring at absolute address `shared` to `start` (see
 * ringAttachAt). Called once, by the process that creates the ring, before the peer
 * learns of it.
 */
export function ringFormatAt(shared: u32, start: u32): void {
  atomic.store<u32>(shared + RING_HEAD_OFFSET, start);
  atomic.store<u32>(shared + RING_PARKED_OFFSET, 0);
  atomic.store<u32>(shared + RING_TAIL_OFFSET, start);
}

/** ringFormatAt with cursors starting at 0. */
export function ringFormat(shared: u32): void {
  ringFormatAt(shared, 0);
}

/**
 * Fills the private block `local` for one endpoint of a ring formatted with ringFormatAt at
 * the same `start` (a start near 2^32 makes the cursors wrap within the first operations,
 * which is how the tests reach the wrap). Returns 0, or ERR_INVAL when the geometry is not
 * a power-of-two capacity of aligned slots inside the current memory, or when `local`
 * overlaps the ring (the peer could then rewrite the trusted geometry). Both endpoints
 * must pass the same geometry and start.
 */
export function ringAttachAt(
  local: u32,
  shared: u32,
  capacity: u32,
  slotBytes: u32,
  start: u32,
): i32 {
  if (!validGeometry(capacity, slotBytes)) return ERR_INVAL;
  if ((shared & (CACHE_LINE_BYTES - 1)) != 0 || (local & 3) != 0) return ERR_INVAL;
  const end = <u64>shared + <u64>RING_HEADER_BYTES + <u64>capacity * <u64>slotBytes;
  const localEnd = <u64>local + <u64>RING_LOCAL_BYTES;
  const memoryBytes = <u64>memory.size() << 16;
  if (end > memoryBytes || localEnd > memoryBytes) return ERR_INVAL;
  if (localEnd > <u64>shared && <u64>local < end) return ERR_INVAL;
  store<u32>(local + L_SHARED, shared);
  store<u32>(local + L_MASK, capacity - 1);
  store<u32>(local + L_SLOT_BYTES, slotBytes);
  store<u32>(local + L_CURSOR, start);
  store<u32>(local + L_PUBLISHED, start);
  store<u32>(local + L_PEER, start);
  return 0;
}

/** ringAttachAt for a ring formatted with ringFormat (cursors starting at 0). */
export function ringAttach(local: u32, shared: u32, capacity: u32, slotBytes: u32): i32 {
  return ringAttachAt(local, shared, capacity, slotBytes, 0);
}

/** Slot size in bytes of the ring behind `local`. */
export function ringSlotBytes(local: u32): u32 {
  return load<u32>(local + L_SLOT_BYTES);
}

/**
 * The cursor value this endpoint last stored into the ring's header (producer: its tail,
 * consumer: its head), from the trusted private block, never from the header itself.
 */
export function ringPublished(local: u32): u32 {
  return load<u32>(local + L_PUBLISHED);
}

/** Absolute address of the header of the ring behind `local`. */
export function ringShared(local: u32): u32 {
  return load<u32>(local + L_SHARED);
}

/** Number of slots of the ring behind `local`. */
export function ringCapacity(local: u32): u32 {
  return load<u32>(local + L_MASK) + 1;
}

@inline function slotAddress(local: u32, index: u32): u32 {
  const offset = (index & load<u32>(local + L_MASK)) * load<u32>(local + L_SLOT_BYTES);
  return load<u32>(local + L_SHARED) + RING_HEADER_BYTES + offset;
}

// ── producer ─────────────────────────────────────────────────────────────────────────────

/**
 * Address of the next free slot, for the producer to fill in place; ERR_AGAIN when the
 * ring is full; ERR_PROTO when the consumer's cursor is impossible. The slot becomes
 * visible to the consumer at the next ringCommit.
 */
export function ringReserve(local: u32): i32 {
  const cursor = load<u32>(local + L_CURSOR);
  const mask = load<u32>(local + L_MASK);
  if (cursor - load<u32>(local + L_PEER) > mask) {
    // Looks full against the cached head: read the consumer's cursor.
    const head = refreshHead(local);
    if (head < 0) return ERR_PROTO;
    if (cursor - <u32>head > mask) return ERR_AGAIN;
  }
  store<u32>(local + L_CURSOR, cursor + 1);
  return <i32>slotAddress(local, cursor);
}

// Refreshes the cached consumer cursor (pairs with the atomic store in ringRelease): it may
// only have moved forward, and never past what this producer has published. Returns it, or
// -1 when it is impossible.
function refreshHead(local: u32): i64 {
  const head = load<u32>(local + L_PEER);
  const fresh = atomic.load<u32>(load<u32>(local + L_SHARED) + RING_HEAD_OFFSET);
  const published = load<u32>(local + L_PUBLISHED);
  if (fresh - head > published - head) return -1;
  store<u32>(local + L_PEER, fresh);
  return <i64>fresh;
}

/**
 * 1 when ringReserve would find a free slot now, 0 when the ring is full, ERR_PROTO when the
 * consumer's cursor is impossible. Reserves nothing.
 */
export function ringHasRoom(local: u32): i32 {
  const cursor = load<u32>(local + L_CURSOR);
  const mask = load<u32>(local + L_MASK);
  if (cursor - load<u32>(local + L_PEER) <= mask) return 1;
  const head = refreshHead(local);
  if (head < 0) return ERR_PROTO;
  return cursor - <u32>head <= mask ? 1 : 0;
}

/**
 * Slots this producer published that the consumer has not released yet (0: it has read
 * everything), or ERR_PROTO when the consumer's cursor is impossible.
 */
export function ringPending(local: u32): i32 {
  const head = refreshHead(local);
  if (head < 0) return ERR_PROTO;
  return <i32>(load<u32>(local + L_PUBLISHED) - <u32>head);
}

/**
 * Publishes every slot reserved since the last commit with one cursor store. Returns 1 when
 * the consumer is parked and must be woken through its doorbell, 0 otherwise.
 */
export function ringCommit(local: u32): i32 {
  const shared = load<u32>(local + L_SHARED);
  const cursor = load<u32>(local + L_CURSOR);
  if (cursor == load<u32>(local + L_PUBLISHED)) return 0;
  // Release store of the slots' contents; pairs with the atomic load of tail in ringPeek.
  // Sequentially consistent with the load of parked below, which pairs with ringPark's
  // store of parked followed by its load of tail (no lost wake-up).
  atomic.store<u32>(shared + RING_TAIL_OFFSET, cursor);
  store<u32>(local + L_PUBLISHED, cursor);
  return atomic.load<u32>(shared + RING_PARKED_OFFSET) != 0 ? 1 : 0;
}

// ── consumer ─────────────────────────────────────────────────────────────────────────────

/**
 * Address of the oldest unread slot without consuming it; ERR_AGAIN when the ring is empty;
 * ERR_PROTO when the producer's cursor is impossible.
 */
export function ringFront(local: u32): i32 {
  const cursor = load<u32>(local + L_CURSOR);
  const tail = load<u32>(local + L_PEER);
  if (cursor == tail) {
    // Pairs with the atomic store of tail in ringCommit. The producer's cursor may only move
    // forward, and at most `capacity` slots beyond what this consumer has released.
    const fresh = atomic.load<u32>(load<u32>(local + L_SHARED) + RING_TAIL_OFFSET);
    const released = load<u32>(local + L_PUBLISHED);
    const capacity = load<u32>(local + L_MASK) + 1;
    if (fresh - tail > capacity - (tail - released)) return ERR_PROTO;
    store<u32>(local + L_PEER, fresh);
    if (cursor == fresh) return ERR_AGAIN;
  }
  return <i32>slotAddress(local, cursor);
}

/**
 * Marks the slot returned by ringFront as read; it is freed at the next ringRelease.
 * Returns 0, or ERR_AGAIN (and does nothing) when no slot was fronted: consuming an
 * unpublished slot would hand the producer an impossible head.
 */
export function ringAdvance(local: u32): i32 {
  const cursor = load<u32>(local + L_CURSOR);
  if (cursor == load<u32>(local + L_PEER)) return ERR_AGAIN;
  store<u32>(local + L_CURSOR, cursor + 1);
  return 0;
}

/**
 * Address of the oldest unread slot, consumed: ringFront then ringAdvance. The slot stays
 * readable until the next ringRelease.
 */
export function ringPeek(local: u32): i32 {
  const slot = ringFront(local);
  if (slot >= 0) ringAdvance(local);
  return slot;
}

/** Hands every slot read since the last release back to the producer with one store. */
export function ringRelease(local: u32): void {
  const cursor = load<u32>(local + L_CURSOR);
  if (cursor == load<u32>(local + L_PUBLISHED)) return;
  // Pairs with the atomic load of head in ringReserve: the slots' reads happen before.
  atomic.store<u32>(load<u32>(local + L_SHARED) + RING_HEAD_OFFSET, cursor);
  store<u32>(local + L_PUBLISHED, cursor);
}

/**
 * Announces that the consumer is about to sleep on its doorbell. Returns 1 when data
 * arrived meanwhile (the consumer must not sleep), 0 when it may sleep; ERR_PROTO when the
 * producer's cursor is impossible.
 */
export function ringPark(local: u32): i32 {
  atomic.store<u32>(load<u32>(local + L_SHARED) + RING_PARKED_OFFSET, 1);
  const front = ringFront(local);
  if (front == ERR_AGAIN) return 0;
  if (front < 0) return front;
  return 1;
}

/** Clears the parked flag once the consumer is awake again. */
export function ringUnpark(local: u32): void {
  atomic.store<u32>(load<u32>(local + L_SHARED) + RING_PARKED_OFFSET, 0);
}
