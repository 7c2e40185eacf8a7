// One session endpoint's life cycle: attach to a checked segment, wait for credits and
// doorbells without lost wake-ups, abort (RST) and close. Sending is in send.ts, receiving
// in recv.ts. Each direction has a data ring (the stream) and a control ring (DONE, TARGET).

import {
  SEG_HEADER_BYTES,
  SEG_FLAG_WAIT_CREDIT,
  SEG_FLAG_RESET,
  SES_ROLE_CONNECTOR,
  SES_ROLE_ACCEPTOR,
  SES_MSG_RST,
  SEG_MAX_REG_ENTRIES,
  SQE_BYTES,
  CQE_BYTES,
  REG_ENTRY_BYTES,
  MSG_LENGTH_OFFSET,
  MSG_TYPE_OFFSET,
  SES_CTL_RING_CAPACITY,
  SES_CTL_SLOT_BYTES,
} from '../layout';
import { ERR_AGAIN, ERR_INVAL } from '../status';
import {
  ringAttach,
  ringBytes,
  ringCommit,
  ringFormat,
  ringHasRoom,
  ringPending,
  ringPark,
  ringRelease,
  ringReserve,
  ringUnpark,
} from '../ring';
import { rnicInit, rnicDown, rnicStateBytes } from '../shm/rnic';
import { controlRingBytes, segBulkOffset, segCheck, segFlagsOffset } from './segment';
import * as S from './state';

/** Bytes of a session's private block for `entries` registrations per side. */
export function sesStateBytes(entries: u32): u32 {
  return S.S_RNIC + rnicStateBytes(entries);
}

/**
 * Attaches the private block `ses` (64-byte aligned, sesStateBytes) to the segment at `seg`
 * after segCheck with the expected geometry, as `role` (SES_ROLE_*). `localFlags` are the
 * SES_FLAG_* this side offers. Returns 0, ERR_INVAL or ERR_PROTO.
 */
export function sesInit(
  ses: u32,
  seg: u32,
  role: u32,
  capacity: u32,
  slotBytes: u32,
  entries: u32,
  halfBytes: u32,
  localFlags: u32,
): i32 {
  if (role > SES_ROLE_ACCEPTOR || (ses & 63) != 0) return ERR_INVAL;
  if (entries > SEG_MAX_REG_ENTRIES) return ERR_INVAL;
  const checked = segCheck(seg, capacity, slotBytes, entries, halfBytes);
  if (checked < 0) return checked;
  const end = <u64>ses + <u64>sesStateBytes(entries);
  if (end > <u64>seg && <u64>ses < <u64>seg + <u64>segBulkOffset(capacity, slotBytes, entries, halfBytes) + 2 * <u64>halfBytes) {
    return ERR_INVAL;
  }
  memory.fill(ses, 0, S.S_TX);
  const ring = <u32>ringBytes(capacity, slotBytes);
  const c2a = seg + SEG_HEADER_BYTES;
  const a2c = c2a + ring;
  const connector = role == SES_ROLE_CONNECTOR;
  store<u32>(ses + S.S_SEG, seg);
  store<u32>(ses + S.S_ROLE, role);
  store<u32>(ses + S.S_LOCAL_FLAGS, localFlags);
  store<u32>(ses + S.S_HALF_BYTES, halfBytes);
  store<u32>(ses + S.S_OWN_FLAGS, seg + segFlagsOffset(role));
  store<u32>(ses + S.S_PEER_FLAGS_ADDR, seg + segFlagsOffset(1 - role));
  const ctlC2a = a2c + ring;
  const ctlA2c = ctlC2a + controlRingBytes();
  const ctlSlots = SES_CTL_RING_CAPACITY;
  const ctlBytes = SES_CTL_SLOT_BYTES;
  let status = ringAttach(ses + S.S_TX, connector ? c2a : a2c, capacity, slotBytes);
  if (status == 0) status = ringAttach(ses + S.S_RX, connector ? a2c : c2a, capacity, slotBytes);
  if (status == 0) {
    status = ringAttach(ses + S.S_CTL_TX, connector ? ctlC2a : ctlA2c, ctlSlots, ctlBytes);
  }
  if (status == 0) {
    status = ringAttach(ses + S.S_CTL_RX, connector ? ctlA2c : ctlC2a, ctlSlots, ctlBytes);
  }
  ringFormat(ses + S.S_SQ_RING);
  ringFormat(ses + S.S_CQ_RING);
  // Each queue has two endpoints: the session produces work and consumes completions, the
  // RNIC the reverse.
  const depth = S.SES_QUEUE_DEPTH;
  if (status == 0) status = ringAttach(ses + S.S_SQ, ses + S.S_SQ_RING, depth, SQE_BYTES);
  if (status == 0) status = ringAttach(ses + S.S_RNIC_SQ, ses + S.S_SQ_RING, depth, SQE_BYTES);
  if (status == 0) status = ringAttach(ses + S.S_CQ, ses + S.S_CQ_RING, depth, CQE_BYTES);
  if (status == 0) status = ringAttach(ses + S.S_RNIC_CQ, ses + S.S_CQ_RING, depth, CQE_BYTES);
  if (status < 0) return status;
  const bulk = <u32>segBulkOffset(capacity, slotBytes, entries, halfBytes);
  const table = bulk - ((2 * entries * REG_ENTRY_BYTES + 63) & ~63);
  const own = connector ? bulk : bulk + halfBytes;
  const peer = connector ? bulk + halfBytes : bulk;
  const ownTable = table + (connector ? 0 : entries * REG_ENTRY_BYTES);
  const peerTable = table + (connector ? entries * REG_ENTRY_BYTES : 0);
  return rnicInit(ses + S.S_RNIC, seg, own, peer, halfBytes, ownTable, peerTable, entries);
}

/** Address of the RNIC private block inside the session `ses`. */
export function sesRnic(ses: u32): u32 {
  return ses + S.S_RNIC;
}

/** The session's (producer) endpoint of its RNIC's work-request queue. */
export function sesSq(ses: u32): u32 {
  return ses + S.S_SQ;
}

/** The session's (consumer) endpoint of its RNIC's completion queue. */
export function sesCq(ses: u32): u32 {
  return ses + S.S_CQ;
}

/** The RNIC's endpoints: consumer of the work-request queue, producer of completions. */
export function sesRnicSq(ses: u32): u32 {
  return ses + S.S_RNIC_SQ;
}

export function sesRnicCq(ses: u32): u32 {
  return ses + S.S_RNIC_CQ;
}

/** Address of the transmit (tx) and receive (rx) ring endpoints of `ses`. */
export function sesTxRing(ses: u32): u32 {
  return ses + S.S_TX;
}

export function sesRxRing(ses: u32): u32 {
  return ses + S.S_RX;
}

/** Address of the control transmit and receive ring endpoints of `ses`. */
export function sesCtlTxRing(ses: u32): u32 {
  return ses + S.S_CTL_TX;
}

export function sesCtlRxRing(ses: u32): u32 {
  return ses + S.S_CTL_RX;
}

/**
 * A free slot of the transmit ring: the one sesWaitCredit took ahead, else a new one.
 * Returns its address or ringReserve's status. Clears this side's WAIT_CREDIT flag once a
 * credit came back.
 */
export function takeSlot(ses: u32): i32 {
  // Any message taken closes the open DATA slot: nothing may be appended behind another.
  store<u32>(ses + S.S_DATA_SLOT, 0);
  let slot = <i32>load<u32>(ses + S.S_RESERVED_SLOT);
  if (slot != 0) {
    store<u32>(ses + S.S_RESERVED_SLOT, 0);
  } else {
    slot = ringReserve(ses + S.S_TX);
    if (slot < 0) return slot;
  }
  stopWaiting(ses);
  return slot;
}

// This side's sender waits for credits (either ring): the peer rings after it releases.
// Sequentially consistent, so that the re-check that follows pairs with the peer's release
// and its load of this flag in sesRelease (no lost wake-up).
function startWaiting(ses: u32): void {
  S.setState(ses, S.S_WAITING);
  atomic.or<u32>(load<u32>(ses + S.S_OWN_FLAGS), SEG_FLAG_WAIT_CREDIT);
}

// A credit came back: this side no longer asks the peer to ring after releasing.
function stopWaiting(ses: u32): void {
  if (S.hasState(ses, S.S_WAITING)) {
    atomic.and<u32>(load<u32>(ses + S.S_OWN_FLAGS), ~SEG_FLAG_WAIT_CREDIT);
    S.clearState(ses, S.S_WAITING);
  }
}

/** A free slot of the control transmit ring, or ringReserve's status (ERR_AGAIN, ERR_PROTO). */
export function takeControlSlot(ses: u32): i32 {
  const slot = ringReserve(ses + S.S_CTL_TX);
  if (slot >= 0) stopWaiting(ses);
  return slot;
}

/**
 * sesWaitCredit for the control ring: announces the wait, then re-checks. 1 when a control
 * slot is free now, 0 when the caller may sleep until the peer rings, or ERR_PROTO.
 */
export function sesWaitControl(ses: u32): i32 {
  startWaiting(ses);
  return ringHasRoom(ses + S.S_CTL_TX);
}

/**
 * Announces that this side's sender waits for credits, then re-checks (pairs with the
 * peer's release followed by its load of this flag in sesRelease: no lost wake-up). Returns
 * 1 when a credit is available now (taken ahead for the next message), 0 when the caller
 * may sleep until the peer rings, or ringReserve's ERR_PROTO. Call it after sesFlush.
 */
export function sesWaitCredit(ses: u32): i32 {
  if (load<u32>(ses + S.S_RESERVED_SLOT) != 0) return 1;
  startWaiting(ses);
  const slot = ringReserve(ses + S.S_TX);
  if (slot == ERR_AGAIN) return 0;
  if (slot < 0) return slot;
  store<u32>(ses + S.S_RESERVED_SLOT, <u32>slot);
  return 1;
}

/**
 * Hands every consumed receive slot of both rings back to the peer (re-posts the receive
 * buffers, SES-7). Returns 1 when the peer waits for credits and must be rung, 0 otherwise.
 */
export function sesRelease(ses: u32): i32 {
  ringRelease(ses + S.S_RX);
  ringRelease(ses + S.S_CTL_RX);
  // Sequentially consistent after the head store above; pairs with sesWaitCredit.
  const flags = atomic.load<u32>(load<u32>(ses + S.S_PEER_FLAGS_ADDR));
  return (flags & SEG_FLAG_WAIT_CREDIT) != 0 ? 1 : 0;
}

/** Returns a slot from takeSlot that was not filled, for the next message to use. */
export function putBackSlot(ses: u32, slot: u32): void {
  store<u32>(ses + S.S_RESERVED_SLOT, slot);
}

/**
 * Publishes every message written since the last flush on both rings, control first (the
 * receiver fronts the data ring before it looks at the control ring, so it sees a control
 * message before any stream message that followed it); 1 when the peer must be rung. A slot
 * taken ahead but not yet filled stays unpublished (sesWaitCredit runs only after a flush,
 * so nothing written follows it).
 */
export function sesFlush(ses: u32): i32 {
  const control = ringCommit(ses + S.S_CTL_TX);
  if (load<u32>(ses + S.S_RESERVED_SLOT) != 0) return control;
  // Published: the open DATA slot is the peer's to read now, never to be resized.
  store<u32>(ses + S.S_DATA_SLOT, 0);
  return ringCommit(ses + S.S_TX) | control;
}

/**
 * 1 when the peer has consumed every message this side published on its data ring (what a
 * closed peer had not read makes its close abortive, as a kernel's unread receive queue
 * does), else 0. Reads the peer's cursor once; it only compares it.
 */
export function sesPeerConsumedAll(ses: u32): i32 {
  return ringPending(ses + S.S_TX) == 0 ? 1 : 0;
}

/**
 * Announces that this side is about to sleep on its doorbell. With `held` (the application
 * paused with stream data at the front) only the control ring asks to be rung: the held data
 * ring has nothing to say until resume(). Returns 1 when there is work already (a message,
 * or the peer's reset flag), 0 when it may sleep, or ERR_PROTO.
 */
export function sesPark(ses: u32, held: u32): i32 {
  const control = ringPark(ses + S.S_CTL_RX);
  if (control != 0) return control;
  if (held == 0) {
    const front = ringPark(ses + S.S_RX);
    if (front != 0) return front;
  }
  const flags = atomic.load<u32>(load<u32>(ses + S.S_PEER_FLAGS_ADDR));
  return (flags & SEG_FLAG_RESET) != 0 ? 1 : 0;
}

/**
 * 1 when the peer has reset the connection (its RESET flag), else 0. A receiver that holds
 * stream messages (paused) still learns of a reset this way.
 */
export function sesPeerReset(ses: u32): i32 {
  return (atomic.load<u32>(load<u32>(ses + S.S_PEER_FLAGS_ADDR)) & SEG_FLAG_RESET) != 0 ? 1 : 0;
}

/** Clears the parked flags after a wake-up. */
export function sesUnpark(ses: u32): void {
  ringUnpark(ses + S.S_RX);
  ringUnpark(ses + S.S_CTL_RX);
}

/**
 * Aborts the connection: sets this side's RESET flag (seen even when the ring is full), sends
 * RST when a credit is free, and takes the RNIC down (MEM-3). The caller then rings the
 * peer's doorbell unconditionally. Idempotent.
 */
export function sesReset(ses: u32): void {
  if (S.hasState(ses, S.S_RESET)) return;
  S.setState(ses, S.S_RESET);
  atomic.or<u32>(load<u32>(ses + S.S_OWN_FLAGS), SEG_FLAG_RESET);
  const slot = takeSlot(ses);
  if (slot >= 0) {
    store<u32>(<u32>slot + MSG_LENGTH_OFFSET, 0);
    store<u32>(<u32>slot + MSG_TYPE_OFFSET, SES_MSG_RST);
    ringCommit(ses + S.S_TX);
  }
  rnicDown(ses + S.S_RNIC);
}

/** Ends the session: its registered memory becomes unreachable (MEM-3). Idempotent. */
export function sesClose(ses: u32): void {
  rnicDown(ses + S.S_RNIC);
}
