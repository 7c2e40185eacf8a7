// Message rings: each slot carries one length-prefixed message (a posted receive buffer of
// the session protocol). Payloads move with memory.copy, which runs at memcpy speed on
// shared memory; the length a peer wrote is checked against the slot before any copy.

import { MSG_LENGTH_OFFSET, MSG_TYPE_OFFSET, MSG_HEADER_BYTES } from './layout';
import { ERR_INVAL, ERR_MSGSIZE, ERR_PROTO } from './status';
import { ringReserve, ringFront, ringAdvance, ringSlotBytes } from './ring';

/** Largest payload one slot of the ring behind `local` carries. */
export function msgMaxPayload(local: u32): u32 {
  return ringSlotBytes(local) - MSG_HEADER_BYTES;
}

// Whether [address, address + length) lies inside the memory: a caller's buffer outside it
// is an invalid argument, reported as ERR_INVAL rather than a trap in the middle of a batch.
@inline function inMemory(address: u32, length: u32): bool {
  return <u64>address + <u64>length <= <u64>memory.size() << 16;
}

/**
 * Copies `length` bytes at `src` into the next free slot, tagged with `type`. Returns
 * `length`, ERR_MSGSIZE when it exceeds the slot, ERR_INVAL when the source lies outside
 * the memory, or ringReserve's status. The message is published at the next ringCommit
 * (so a batch costs one cursor store).
 */
export function msgWrite(local: u32, src: u32, length: u32, type: u32): i32 {
  if (length > msgMaxPayload(local)) return ERR_MSGSIZE;
  if (!inMemory(src, length)) return ERR_INVAL;
  const slot = ringReserve(local);
  if (slot < 0) return slot;
  const at = <u32>slot;
  store<u32>(at + MSG_LENGTH_OFFSET, length);
  store<u32>(at + MSG_TYPE_OFFSET, type);
  memory.copy(at + MSG_HEADER_BYTES, src, length);
  return <i32>length;
}

// Length of the message in `slot`, which the peer wrote: ERR_PROTO unless it fits the slot.
@inline function checkedLength(local: u32, slot: u32): i32 {
  const length = load<u32>(slot + MSG_LENGTH_OFFSET);
  return length > msgMaxPayload(local) ? ERR_PROTO : <i32>length;
}

/**
 * Validated payload length of the oldest unread message, without consuming it; ERR_AGAIN
 * when there is none; ERR_PROTO when the peer wrote a length larger than the slot.
 */
export function msgPeekLength(local: u32): i32 {
  const slot = ringFront(local);
  return slot < 0 ? slot : checkedLength(local, <u32>slot);
}

/** Type tag of the oldest unread message (only meaningful after msgPeekLength succeeded). */
export function msgPeekType(local: u32): u32 {
  const slot = ringFront(local);
  return slot < 0 ? 0 : load<u32>(<u32>slot + MSG_TYPE_OFFSET);
}

/**
 * Copies the oldest unread message into `dst` (at most `capacity` bytes) and consumes it.
 * Returns its length; ERR_MSGSIZE (nothing consumed) when it does not fit; ERR_INVAL when
 * the destination lies outside the memory; ERR_AGAIN or ERR_PROTO as msgPeekLength. The
 * slot is freed for the producer at the next ringRelease.
 */
export function msgRead(local: u32, dst: u32, capacity: u32): i32 {
  if (!inMemory(dst, capacity)) return ERR_INVAL;
  const slot = ringFront(local);
  if (slot < 0) return slot;
  // The length is read once and exactly that many bytes are copied: a peer rewriting the
  // header meanwhile cannot change how much is copied.
  const length = checkedLength(local, <u32>slot);
  if (length < 0) return length;
  if (<u32>length > capacity) return ERR_MSGSIZE;
  memory.copy(dst, <u32>slot + MSG_HEADER_BYTES, <u32>length);
  ringAdvance(local);
  return length;
}
