// Bounded queues of fixed-size entries on the SPSC ring: work requests (SQEs) and completions
// (CQEs). Entries are filled and read here so that callers pass and
// receive numbers only; every field that crossed from another party is range-checked.

import {
  SQE_BYTES,
  SQE_OPCODE_OFFSET,
  SQE_FLAGS_OFFSET,
  SQE_LENGTH_OFFSET,
  SQE_USER_DATA_OFFSET,
  SQE_LOCAL_OFFSET_OFFSET,
  SQE_LOCAL_KEY_OFFSET,
  SQE_REMOTE_OFFSET_OFFSET,
  SQE_REMOTE_KEY_OFFSET,
  OP_MAX,
  CQE_BYTES,
  CQE_USER_DATA_OFFSET,
  CQE_RESULT_OFFSET,
  CQE_FLAGS_OFFSET,
} from './layout';
import { ERR_INVAL, ERR_PROTO } from './status';
import { ringReserve, ringFront, ringSlotBytes } from './ring';

// A queue's ring must have been attached with slots of exactly its entry size.
@inline function reserveEntry(local: u32, entryBytes: u32): i32 {
  return ringSlotBytes(local) != entryBytes ? ERR_INVAL : ringReserve(local);
}

@inline function frontEntry(local: u32, entryBytes: u32): i32 {
  return ringSlotBytes(local) != entryBytes ? ERR_INVAL : ringFront(local);
}

// ── work requests ────────────────────────────────────────────────────────────────────────

/**
 * Reserves and fills one work request; it is submitted at the next ringCommit. Returns 0,
 * ERR_INVAL for an unknown opcode, or ringReserve's status. `userData` is echoed in the
 * request's completion.
 */
export function sqPush(
  local: u32,
  opcode: u32,
  flags: u32,
  length: u32,
  userData: u32,
  localOffset: u32,
  localKey: u32,
  remoteOffset: u32,
  remoteKey: u32,
): i32 {
  if (opcode == 0 || opcode > OP_MAX || flags > 0xffff) return ERR_INVAL;
  const sqe = reserveEntry(local, SQE_BYTES);
  if (sqe < 0) return sqe;
  const at = <u32>sqe;
  store<u16>(at + SQE_OPCODE_OFFSET, <u16>opcode);
  store<u16>(at + SQE_FLAGS_OFFSET, <u16>flags);
  store<u32>(at + SQE_LENGTH_OFFSET, length);
  store<u64>(at + SQE_USER_DATA_OFFSET, <u64>userData);
  store<u32>(at + SQE_LOCAL_OFFSET_OFFSET, localOffset);
  store<u32>(at + SQE_LOCAL_KEY_OFFSET, localKey);
  store<u32>(at + SQE_REMOTE_OFFSET_OFFSET, remoteOffset);
  store<u32>(at + SQE_REMOTE_KEY_OFFSET, remoteKey);
  return 0;
}

/**
 * Address of the oldest unconsumed work request with a valid opcode and a user_data that
 * fits in u32; ERR_AGAIN when none; ERR_PROTO when the entry is malformed. Consume it with
 * ringAdvance, free it with ringRelease.
 */
export function sqFront(local: u32): i32 {
  const sqe = frontEntry(local, SQE_BYTES);
  if (sqe < 0) return sqe;
  const at = <u32>sqe;
  const opcode = <u32>load<u16>(at + SQE_OPCODE_OFFSET);
  if (opcode == 0 || opcode > OP_MAX) return ERR_PROTO;
  if (load<u64>(at + SQE_USER_DATA_OFFSET) > <u64>u32.MAX_VALUE) return ERR_PROTO;
  return sqe;
}

// ── completions ──────────────────────────────────────────────────────────────────────────

/**
 * Appends one completion for the work request tagged `userData`: `result` is bytes moved
 * or a negative errno. Published at the next ringCommit. Returns 0 or ringReserve's status.
 */
export function cqPush(local: u32, userData: u32, result: i32, flags: u32): i32 {
  const cqe = reserveEntry(local, CQE_BYTES);
  if (cqe < 0) return cqe;
  const at = <u32>cqe;
  store<u64>(at + CQE_USER_DATA_OFFSET, <u64>userData);
  store<i32>(at + CQE_RESULT_OFFSET, result);
  store<u32>(at + CQE_FLAGS_OFFSET, flags);
  return 0;
}

/**
 * Address of the oldest unconsumed completion; ERR_AGAIN when none; ERR_PROTO when its
 * user_data does not fit in u32. Read it with the cqe* getters, then ringAdvance.
 */
export function cqFront(local: u32): i32 {
  const cqe = frontEntry(local, CQE_BYTES);
  if (cqe < 0) return cqe;
  if (load<u64>(<u32>cqe + CQE_USER_DATA_OFFSET) > <u64>u32.MAX_VALUE) return ERR_PROTO;
  return cqe;
}

/** user_data of the completion at `cqe` (an address cqFront returned). */
export function cqeUserData(cqe: u32): u32 {
  return <u32>load<u64>(cqe + CQE_USER_DATA_OFFSET);
}

/** Result of the completion at `cqe`: bytes moved, or a negative errno. */
export function cqeResult(cqe: u32): i32 {
  return load<i32>(cqe + CQE_RESULT_OFFSET);
}

/** Flags of the completion at `cqe`. */
export function cqeFlags(cqe: u32): u32 {
  return load<u32>(cqe + CQE_FLAGS_OFFSET);
}
