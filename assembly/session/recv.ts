// The receiving half of the session protocol: sesPoll validates the oldest message of the
// control ring, else of the data ring, against the slot, the segment and the state machine,
// performs its action (an RDMA WRITE on TARGET) and reports one event; sesPollControl does
// the same for the control ring alone, which a paused receiver keeps draining. Any
// violation returns ERR_PROTO: the caller resets the connection (EPROTO).

import {
  MSG_LENGTH_OFFSET,
  MSG_TYPE_OFFSET,
  MSG_HEADER_BYTES,
  MEM_READ,
  REG_OFFSET_OFFSET,
  OP_RDMA_WRITE,
  SEG_FLAG_RESET,
  SES_MSG_NEGOTIATE,
  SES_MSG_DATA,
  SES_MSG_RNDV,
  SES_MSG_TARGET,
  SES_MSG_DONE,
  SES_MSG_FIN,
  SES_MSG_RST,
  SES_VERSION,
  SES_NEG_VERSION_OFFSET,
  SES_NEG_FLAGS_OFFSET,
  SES_NEG_CREDITS_OFFSET,
  SES_NEG_SLOT_BYTES_OFFSET,
  SES_NEGOTIATE_BYTES,
  SES_NEGOTIATE_MAX_BYTES,
  SES_FLAGS_KNOWN,
  SES_FLAG_RDMA_READ,
  SES_RNDV_TOTAL_OFFSET,
  SES_RNDV_KEY_OFFSET,
  SES_RNDV_HEADER_BYTES,
  SES_CTL_KEY_OFFSET,
  SES_CTL_LENGTH_OFFSET,
  SES_CTL_BYTES,
  SES_EV_NEGOTIATED,
  SES_EV_DATA,
  SES_EV_RNDV_READ,
  SES_EV_RNDV_WRITE,
  SES_EV_WRITE_DONE,
  SES_EV_SEND_DONE,
  SES_EV_TARGET,
  SES_EV_FIN,
  SES_EV_RST,
  SES_CTL_SLOT_BYTES,
} from '../layout';
import { ERR_AGAIN, ERR_PROTO } from '../status';
import { ringFront, ringAdvance, ringCapacity, ringSlotBytes, ringCommit, ringRelease } from '../ring';
import { sqPush, cqFront, cqeResult } from '../queue';
import { memDeregister, memEntry, memLength, memAccess, memPublished } from '../shm/registry';
import { rnicExecute, rnicReadSource } from '../shm/rnic';
import * as S from './state';

@inline function event(ses: u32, addr: u32, length: u32, key: u32, total: u32): void {
  store<u32>(ses + S.S_EV_ADDR, addr);
  store<u32>(ses + S.S_EV_LENGTH, length);
  store<u32>(ses + S.S_EV_KEY, key);
  store<u32>(ses + S.S_EV_TOTAL, total);
}

// Runs one RDMA work request on this session's RNIC and returns its completion's result.
function rdma(ses: u32, opcode: u32, length: u32, localKey: u32, remoteKey: u32): i32 {
  const sq = ses + S.S_SQ;
  const cq = ses + S.S_CQ;
  const pushed = sqPush(sq, opcode, 0, length, 0, 0, localKey, 0, remoteKey);
  if (pushed < 0) return pushed;
  ringCommit(sq);
  rnicExecute(ses + S.S_RNIC, ses + S.S_RNIC_SQ, ses + S.S_RNIC_CQ);
  const cqe = cqFront(cq);
  if (cqe < 0) return cqe;
  const result = cqeResult(<u32>cqe);
  ringAdvance(cq);
  ringRelease(cq);
  return result;
}

function negotiate(ses: u32, body: u32, length: u32): i32 {
  if (S.hasState(ses, S.S_NEG_RECEIVED)) return ERR_PROTO;
  // SES-6: nothing larger than 256 bytes is a negotiation; ours is exactly this size.
  if (length > SES_NEGOTIATE_MAX_BYTES || length != SES_NEGOTIATE_BYTES) return ERR_PROTO;
  if (load<u32>(body + SES_NEG_VERSION_OFFSET) != SES_VERSION) return ERR_PROTO;
  const flags = load<u32>(body + SES_NEG_FLAGS_OFFSET);
  if ((flags & ~SES_FLAGS_KNOWN) != 0) return ERR_PROTO;
  // The peer's posted receives are its receive ring, which is our transmit ring: the credits
  // it announces must be that ring's capacity (SES-4), its buffers that ring's slots.
  if (load<u32>(body + SES_NEG_CREDITS_OFFSET) != ringCapacity(ses + S.S_TX)) return ERR_PROTO;
  if (load<u32>(body + SES_NEG_SLOT_BYTES_OFFSET) != ringSlotBytes(ses + S.S_TX)) return ERR_PROTO;
  store<u32>(ses + S.S_PEER_FLAGS, flags);
  S.setState(ses, S.S_NEG_RECEIVED);
  event(ses, 0, 0, flags, 0);
  return SES_EV_NEGOTIATED;
}

// Stream data (DATA, RNDV, FIN) is refused after FIN and while a write-based receive waits.
@inline function streamOpen(ses: u32): bool {
  if (S.hasState(ses, S.S_FIN_RECEIVED)) return false;
  return load<u32>(ses + S.S_RX_WAIT_TARGET) == 0 && load<u32>(ses + S.S_RX_TARGET_KEY) == 0;
}

function rendezvous(ses: u32, body: u32, length: u32): i32 {
  if (!streamOpen(ses) || length < SES_RNDV_HEADER_BYTES) return ERR_PROTO;
  const total = load<u32>(body + SES_RNDV_TOTAL_OFFSET);
  const key = load<u32>(body + SES_RNDV_KEY_OFFSET);
  const first = length - SES_RNDV_HEADER_BYTES;
  if (total <= first) return ERR_PROTO;
  const rest = total - first;
  // The rest lies in a bulk half: the peer's (read-based) or a target in ours (write-based).
  if (rest > load<u32>(ses + S.S_HALF_BYTES)) return ERR_PROTO;
  const data = body + SES_RNDV_HEADER_BYTES;
  if ((load<u32>(ses + S.S_LOCAL_FLAGS) & SES_FLAG_RDMA_READ) == 0) {
    if (key != 0) return ERR_PROTO;
    store<u32>(ses + S.S_RX_WAIT_TARGET, rest);
    event(ses, data, first, 0, total);
    return SES_EV_RNDV_WRITE;
  }
  // The descriptor came from the peer: a bad key, bound or access flag is its violation.
  // The caller copies the rest from the validated source once, then sends DONE; the peer's
  // words can no longer move it, and the segment stays mapped while the connection lives.
  const source = rnicReadSource(ses + S.S_RNIC, key, rest);
  if (source < 0) return ERR_PROTO;
  store<u32>(ses + S.S_EV_SOURCE, <u32>source);
  event(ses, data, first, key, total);
  return SES_EV_RNDV_READ;
}

function target(ses: u32, body: u32, length: u32): i32 {
  const source = load<u32>(ses + S.S_TX_WRITE_KEY);
  if (length != SES_CTL_BYTES || source == 0) return ERR_PROTO;
  const key = load<u32>(body + SES_CTL_KEY_OFFSET);
  const bytes = load<u32>(body + SES_CTL_LENGTH_OFFSET);
  if (bytes != load<u32>(ses + S.S_TX_WRITE_LENGTH)) return ERR_PROTO;
  const result = rdma(ses, OP_RDMA_WRITE, bytes, source, key);
  if (result != <i32>bytes) return ERR_PROTO;
  memDeregister(ses + S.S_RNIC, source);
  store<u32>(ses + S.S_TX_WRITE_KEY, 0);
  event(ses, 0, bytes, key, source);
  return SES_EV_TARGET;
}

function done(ses: u32, body: u32, length: u32): i32 {
  if (length != SES_CTL_BYTES) return ERR_PROTO;
  const rnic = ses + S.S_RNIC;
  const key = load<u32>(body + SES_CTL_KEY_OFFSET);
  const bytes = load<u32>(body + SES_CTL_LENGTH_OFFSET);
  // memLength is a status for an unknown key: compared as a length, a peer's 0xffffffea
  // would equal ERR_INVAL and pass.
  const registered = memLength(rnic, key);
  if (key == 0 || registered < 0 || <u32>registered != bytes) return ERR_PROTO;
  const address = load<u32>(memEntry(rnic, key) + REG_OFFSET_OFFSET);
  if (key == load<u32>(ses + S.S_RX_TARGET_KEY)) {
    memDeregister(rnic, key);
    store<u32>(ses + S.S_RX_TARGET_KEY, 0);
    event(ses, address, bytes, key, 0);
    return SES_EV_WRITE_DONE;
  }
  // Otherwise only an outstanding read-based send of ours: published, MEM_READ.
  if (memAccess(rnic, key) != (MEM_READ | 0x100)) return ERR_PROTO;
  memDeregister(rnic, key);
  event(ses, address, bytes, key, 0);
  return SES_EV_SEND_DONE;
}

// Validates and performs the data-ring message at `slot`; returns the event or ERR_PROTO.
function dispatch(ses: u32, slot: u32): i32 {
  const length = load<u32>(slot + MSG_LENGTH_OFFSET);
  const type = load<u32>(slot + MSG_TYPE_OFFSET);
  if (length > ringSlotBytes(ses + S.S_RX) - MSG_HEADER_BYTES) return ERR_PROTO;
  const body = slot + MSG_HEADER_BYTES;
  if (type == SES_MSG_NEGOTIATE) return negotiate(ses, body, length);
  // NEGOTIATE exactly once, first (SES-2/3).
  if (!S.hasState(ses, S.S_NEG_RECEIVED)) return ERR_PROTO;
  if (type == SES_MSG_DATA) {
    if (!streamOpen(ses) || length == 0) return ERR_PROTO;
    event(ses, body, length, 0, length);
    return SES_EV_DATA;
  }
  if (type == SES_MSG_RNDV) return rendezvous(ses, body, length);
  if (type == SES_MSG_FIN) {
    if (!streamOpen(ses) || length != 0) return ERR_PROTO;
    S.setState(ses, S.S_FIN_RECEIVED);
    return SES_EV_FIN;
  }
  if (type == SES_MSG_RST) return SES_EV_RST;
  return ERR_PROTO;
}

// Validates and performs the control-ring message at `slot`. Only DONE and TARGET travel
// there, and only after this side negotiated (the peer answers what this side sent since).
function dispatchControl(ses: u32, slot: u32): i32 {
  const length = load<u32>(slot + MSG_LENGTH_OFFSET);
  const type = load<u32>(slot + MSG_TYPE_OFFSET);
  if (length > SES_CTL_SLOT_BYTES - MSG_HEADER_BYTES) return ERR_PROTO;
  if (!S.hasState(ses, S.S_NEG_RECEIVED)) return ERR_PROTO;
  const body = slot + MSG_HEADER_BYTES;
  if (type == SES_MSG_TARGET) return target(ses, body, length);
  if (type == SES_MSG_DONE) return done(ses, body, length);
  return ERR_PROTO;
}

// The oldest control message's event, ERR_AGAIN when there is none, or ERR_PROTO.
function pollControl(ses: u32): i32 {
  const slot = ringFront(ses + S.S_CTL_RX);
  if (slot < 0) return slot == ERR_AGAIN ? ERR_AGAIN : ERR_PROTO;
  const ev = dispatchControl(ses, <u32>slot);
  if (ev >= 0) ringAdvance(ses + S.S_CTL_RX);
  return ev;
}

/**
 * Consumes the oldest received message and returns its event (SES_EV_*), whose fields the
 * sesEv* getters give until the next call; ERR_AGAIN when none; ERR_PROTO for any
 * violation. Control messages go first. The data ring is fronted before the control ring is
 * looked at: the peer publishes control first (sesFlush), so a control message sent before a
 * stream message is always seen before it. Payload addresses stay valid until sesRelease.
 * The peer's RESET flag reports SES_EV_RST even when its rings are full.
 */
export function sesPoll(ses: u32): i32 {
  const flags = atomic.load<u32>(load<u32>(ses + S.S_PEER_FLAGS_ADDR));
  if ((flags & SEG_FLAG_RESET) != 0) return SES_EV_RST;
  const slot = ringFront(ses + S.S_RX);
  if (slot < 0 && slot != ERR_AGAIN) return ERR_PROTO;
  const control = pollControl(ses);
  if (control != ERR_AGAIN || slot < 0) return control;
  const ev = dispatch(ses, <u32>slot);
  if (ev >= 0) ringAdvance(ses + S.S_RX);
  return ev;
}

/**
 * sesPoll for the control ring alone (and the peer's RESET flag): what a receiver whose
 * application paused keeps consuming, so that the peer's DONEs and TARGETs always arrive.
 */
export function sesPollControl(ses: u32): i32 {
  const flags = atomic.load<u32>(load<u32>(ses + S.S_PEER_FLAGS_ADDR));
  if ((flags & SEG_FLAG_RESET) != 0) return SES_EV_RST;
  return pollControl(ses);
}

/**
 * What a closed session waits for while the peer may still pull its read-based sends (a
 * transport whose peer reads this side's copy of the segment keeps it until then): consumes
 * the control messages that arrived (the peer's DONEs end registrations) and releases their
 * slots, then returns how many read-based sends of this side have no DONE yet, or ERR_PROTO
 * for a violation (nothing is left to wait for then).
 */
export function sesReadsAwaited(ses: u32): i32 {
  let ev = pollControl(ses);
  while (ev >= 0) ev = pollControl(ses);
  ringRelease(ses + S.S_CTL_RX);
  if (ev != ERR_AGAIN) return ERR_PROTO;
  return <i32>memPublished(ses + S.S_RNIC, MEM_READ);
}

/** Address of the last event's payload (DATA, first part of RNDV, target or region). */
export function sesEvAddr(ses: u32): u32 {
  return load<u32>(ses + S.S_EV_ADDR);
}

/** Bytes at sesEvAddr. */
export function sesEvLength(ses: u32): u32 {
  return load<u32>(ses + S.S_EV_LENGTH);
}

/** Key of the last event (RNDV read, DONE, TARGET), or the peer's flags after NEGOTIATED. */
export function sesEvKey(ses: u32): u32 {
  return load<u32>(ses + S.S_EV_KEY);
}

/** Total bytes of the last RNDV; for TARGET, the local key of the send it completed. */
export function sesEvTotal(ses: u32): u32 {
  return load<u32>(ses + S.S_EV_TOTAL);
}

/**
 * Address of the rest of the last read-based RNDV (SES_EV_RNDV_READ, sesEvTotal less
 * sesEvLength bytes): the peer's registered bytes, validated inside its bulk half. Copy them
 * out before sending DONE for sesEvKey; the peer reuses them after it.
 */
export function sesEvSource(ses: u32): u32 {
  return load<u32>(ses + S.S_EV_SOURCE);
}
