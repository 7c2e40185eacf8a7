// The sending half of the session protocol: NEGOTIATE, DATA slots filled in place, the
// large-send rendezvous (SES-9, read- or write-based) and FIN on the data ring; DONE and
// TARGET on the control ring. Messages are published by sesFlush, one cursor store per batch
// and ring.

import {
  MSG_LENGTH_OFFSET,
  MSG_TYPE_OFFSET,
  MSG_HEADER_BYTES,
  MEM_READ,
  MEM_WRITE,
  SES_MSG_NEGOTIATE,
  SES_MSG_DATA,
  SES_MSG_RNDV,
  SES_MSG_TARGET,
  SES_MSG_DONE,
  SES_MSG_FIN,
  SES_VERSION,
  SES_NEG_VERSION_OFFSET,
  SES_NEG_FLAGS_OFFSET,
  SES_NEG_CREDITS_OFFSET,
  SES_NEG_SLOT_BYTES_OFFSET,
  SES_NEG_THRESHOLD_OFFSET,
  SES_NEGOTIATE_BYTES,
  SES_FLAG_RDMA_READ,
  SES_RNDV_TOTAL_OFFSET,
  SES_RNDV_KEY_OFFSET,
  SES_RNDV_HEADER_BYTES,
  SES_CTL_KEY_OFFSET,
  SES_CTL_LENGTH_OFFSET,
  SES_CTL_BYTES,
} from '../layout';
import { ERR_AGAIN, ERR_INVAL, ERR_MSGSIZE } from '../status';
import { ringCapacity, ringHasRoom, ringSlotBytes } from '../ring';
import { memRegister, memDeregister } from '../shm/registry';
import { takeSlot, takeControlSlot, putBackSlot } from './session';
import * as S from './state';

/** Largest payload of one message of `ses`. */
export function sesMaxPayload(ses: u32): u32 {
  return ringSlotBytes(ses + S.S_TX) - MSG_HEADER_BYTES;
}

@inline function header(slot: u32, length: u32, type: u32): void {
  store<u32>(slot + MSG_LENGTH_OFFSET, length);
  store<u32>(slot + MSG_TYPE_OFFSET, type);
}

// Stream data may go once both NEGOTIATEs crossed, until FIN or reset.
@inline function canSendData(ses: u32): bool {
  const state = load<u32>(ses + S.S_STATE);
  const need = S.S_NEG_SENT | S.S_NEG_RECEIVED;
  return (state & need) == need && (state & (S.S_FIN_SENT | S.S_RESET)) == 0;
}

/**
 * Sends NEGOTIATE (SES-2/3): version, flags, credits (this side's receive ring capacity,
 * i.e. its posted receive buffers) and slot size, with `threshold` as a preference (SES-12).
 * Each side calls it once, before any other message; the acceptor may send its own before the
 * connector's arrives (its receives are posted once the segment is formatted, SES-3).
 * Returns 0, ERR_AGAIN, or ERR_INVAL when already sent.
 */
export function sesNegotiate(ses: u32, threshold: u32): i32 {
  if (S.hasState(ses, S.S_NEG_SENT | S.S_RESET)) return ERR_INVAL;
  const slot = takeSlot(ses);
  if (slot < 0) return slot;
  const at = <u32>slot;
  header(at, SES_NEGOTIATE_BYTES, SES_MSG_NEGOTIATE);
  const body = at + MSG_HEADER_BYTES;
  store<u32>(body + SES_NEG_VERSION_OFFSET, SES_VERSION);
  store<u32>(body + SES_NEG_FLAGS_OFFSET, load<u32>(ses + S.S_LOCAL_FLAGS));
  store<u32>(body + SES_NEG_CREDITS_OFFSET, ringCapacity(ses + S.S_RX));
  store<u32>(body + SES_NEG_SLOT_BYTES_OFFSET, ringSlotBytes(ses + S.S_RX));
  store<u32>(body + SES_NEG_THRESHOLD_OFFSET, threshold);
  S.setState(ses, S.S_NEG_SENT);
  return 0;
}

// While a write-based send waits for its TARGET, no stream message may follow it: the peer
// delivers in order and refuses them (ERR_PROTO) until the DONE.
@inline function writePending(ses: u32): bool {
  return load<u32>(ses + S.S_TX_WRITE_KEY) != 0;
}

/**
 * Takes a credit for one DATA message and returns the address of its payload
 * (sesMaxPayload bytes) for the caller to fill; sesDataCommit then sizes it. ERR_AGAIN
 * without credits or while a write-based send is pending; ERR_INVAL before negotiation,
 * after FIN or after a reset.
 */
export function sesDataSlot(ses: u32): i32 {
  if (!canSendData(ses)) return ERR_INVAL;
  if (writePending(ses)) return ERR_AGAIN;
  const slot = takeSlot(ses);
  if (slot < 0) return slot;
  store<u32>(ses + S.S_DATA_SLOT, <u32>slot);
  return slot + <i32>MSG_HEADER_BYTES;
}

/**
 * Sizes the DATA message of the last sesDataSlot to `length` payload bytes. The slot stays
 * open until the next message or sesFlush, so a later write may append to it and size it
 * again. 0; ERR_MSGSIZE; ERR_INVAL for length 0 or when no DATA slot is open.
 */
export function sesDataCommit(ses: u32, length: u32): i32 {
  if (length == 0) return ERR_INVAL;
  if (length > sesMaxPayload(ses)) return ERR_MSGSIZE;
  const slot = load<u32>(ses + S.S_DATA_SLOT);
  if (slot == 0) return ERR_INVAL;
  header(slot, length, SES_MSG_DATA);
  return 0;
}

/**
 * Starts a large send (SES-9) of `total` bytes already at absolute `address` in this side's
 * bulk half. The first part travels in the RNDV message; the rest is registered MEM_READ for
 * the peer to pull when it supports RDMA read (read-based), else registered locally and
 * written once the peer sends TARGET (write-based, one at a time). Returns the key of the
 * rest's registration; ERR_AGAIN without a credit (or while a write-based send is pending);
 * ERR_NOBUFS when the table is full (SES-10); ERR_INVAL for bad arguments or state.
 */
export function sesSendRndv(ses: u32, address: u32, total: u32): i32 {
  if (!canSendData(ses)) return ERR_INVAL;
  const first = sesMaxPayload(ses) - SES_RNDV_HEADER_BYTES;
  if (total <= first) return ERR_INVAL;
  const readBased = (load<u32>(ses + S.S_PEER_FLAGS) & SES_FLAG_RDMA_READ) != 0;
  if (writePending(ses)) return ERR_AGAIN;
  const slot = takeSlot(ses);
  if (slot < 0) return slot;
  const rest = total - first;
  const key = memRegister(ses + S.S_RNIC, address + first, rest, MEM_READ, readBased);
  if (key < 0) {
    putBackSlot(ses, <u32>slot);
    return key;
  }
  const at = <u32>slot;
  header(at, SES_RNDV_HEADER_BYTES + first, SES_MSG_RNDV);
  store<u32>(at + MSG_HEADER_BYTES + SES_RNDV_TOTAL_OFFSET, total);
  store<u32>(at + MSG_HEADER_BYTES + SES_RNDV_KEY_OFFSET, readBased ? <u32>key : 0);
  memory.copy(at + MSG_HEADER_BYTES + SES_RNDV_HEADER_BYTES, address, first);
  if (!readBased) {
    store<u32>(ses + S.S_TX_WRITE_KEY, <u32>key);
    store<u32>(ses + S.S_TX_WRITE_LENGTH, rest);
  }
  return key;
}

// A control message with an 8-byte (key, length) payload, on the control ring.
function sendControl(ses: u32, type: u32, key: u32, length: u32): i32 {
  const slot = takeControlSlot(ses);
  if (slot < 0) return slot;
  const at = <u32>slot;
  header(at, SES_CTL_BYTES, type);
  store<u32>(at + MSG_HEADER_BYTES + SES_CTL_KEY_OFFSET, key);
  store<u32>(at + MSG_HEADER_BYTES + SES_CTL_LENGTH_OFFSET, length);
  return 0;
}

/** Sends DONE for `key` and `length` (a read region released, or a target written). */
export function sesSendDone(ses: u32, key: u32, length: u32): i32 {
  if (S.hasState(ses, S.S_RESET)) return ERR_INVAL;
  return sendControl(ses, SES_MSG_DONE, key, length);
}

/**
 * Answers a write-based RNDV (event SES_EV_RNDV_WRITE): registers [address, address +
 * length) of this side's bulk half MEM_WRITE for the peer and sends TARGET. `length` must be
 * exactly what the RNDV still needs. Returns the key, ERR_AGAIN, ERR_NOBUFS or ERR_INVAL.
 */
export function sesSendTarget(ses: u32, address: u32, length: u32): i32 {
  if (S.hasState(ses, S.S_RESET)) return ERR_INVAL;
  if (length == 0 || load<u32>(ses + S.S_RX_WAIT_TARGET) != length) return ERR_INVAL;
  const room = ringHasRoom(ses + S.S_CTL_TX);
  if (room <= 0) return room == 0 ? ERR_AGAIN : room;
  const key = memRegister(ses + S.S_RNIC, address, length, MEM_WRITE, true);
  if (key < 0) return key;
  sendControl(ses, SES_MSG_TARGET, <u32>key, length);
  store<u32>(ses + S.S_RX_WAIT_TARGET, 0);
  store<u32>(ses + S.S_RX_TARGET_KEY, <u32>key);
  return key;
}

/**
 * Sends FIN: this side sends no more data (half-close). It does not wait for the DONEs of
 * announced RNDVs (their bulk stays registered until each DONE). 0; ERR_AGAIN without a
 * credit or while a write-based send waits for its TARGET; ERR_INVAL when already sent or
 * not negotiated.
 */
export function sesSendFin(ses: u32): i32 {
  if (S.hasState(ses, S.S_FIN_SENT | S.S_RESET) || !S.hasState(ses, S.S_NEG_SENT)) return ERR_INVAL;
  if (writePending(ses)) return ERR_AGAIN;
  const slot = takeSlot(ses);
  if (slot < 0) return slot;
  header(<u32>slot, 0, SES_MSG_FIN);
  S.setState(ses, S.S_FIN_SENT);
  return 0;
}

/** Ends a registration of `ses` by key (e.g. a send abandoned at close). 0 or ERR_INVAL. */
export function sesDeregister(ses: u32, key: u32): i32 {
  if (key == load<u32>(ses + S.S_TX_WRITE_KEY)) store<u32>(ses + S.S_TX_WRITE_KEY, 0);
  return memDeregister(ses + S.S_RNIC, key);
}
