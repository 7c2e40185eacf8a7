// The soft RNIC: executes RDMA READ and RDMA WRITE work requests of one connection as
// memory.copy between a local registration (trusted, private table) and a region the peer
// published in the segment (untrusted: every word is checked against the peer's bulk half).

import {
  REG_KEY_OFFSET,
  REG_OFFSET_OFFSET,
  REG_LENGTH_OFFSET,
  REG_ACCESS_OFFSET,
  REG_ENTRY_BYTES,
  REG_KEY_INDEX_MASK,
  MEM_READ,
  MEM_WRITE,
  OP_RDMA_READ,
  OP_RDMA_WRITE,
  SQE_OPCODE_OFFSET,
  SQE_LENGTH_OFFSET,
  SQE_USER_DATA_OFFSET,
  SQE_LOCAL_OFFSET_OFFSET,
  SQE_LOCAL_KEY_OFFSET,
  SQE_REMOTE_OFFSET_OFFSET,
  SQE_REMOTE_KEY_OFFSET,
} from '../layout';
import { ERR_ACCES, ERR_AGAIN, ERR_INVAL, ERR_NOTCONN, ERR_PROTO } from '../status';
import { ringAdvance, ringCommit, ringRelease } from '../ring';
import { sqFront, cqPush } from '../queue';
import { memEntry } from './registry';
import {
  R_SEG_BASE,
  R_OWN_HALF,
  R_PEER_HALF,
  R_HALF_BYTES,
  R_OWN_TABLE,
  R_PEER_TABLE,
  R_ENTRIES,
  R_UP,
  R_GENERATION,
  R_TABLE,
  ACCESS_REMOTE,
} from './state';

/** Bytes of an RNIC's private block with `entries` registrations per side. */
export function rnicStateBytes(entries: u32): u32 {
  return R_TABLE + entries * REG_ENTRY_BYTES;
}

/**
 * Sets up the private block `rnic` for a connection whose segment is at `segBase`: this
 * side's bulk half at segment offset `ownHalf`, the peer's at `peerHalf`, each `halfBytes`;
 * the tables likewise. The caller passes geometry it validated (never the peer's words).
 * Clears this side's published entries; the connection starts up. Returns 0 or ERR_INVAL.
 */
export function rnicInit(
  rnic: u32,
  segBase: u32,
  ownHalf: u32,
  peerHalf: u32,
  halfBytes: u32,
  ownTable: u32,
  peerTable: u32,
  entries: u32,
): i32 {
  if (entries == 0 || entries > REG_KEY_INDEX_MASK + 1) return ERR_INVAL;
  store<u32>(rnic + R_SEG_BASE, segBase);
  store<u32>(rnic + R_OWN_HALF, segBase + ownHalf);
  store<u32>(rnic + R_PEER_HALF, peerHalf);
  store<u32>(rnic + R_HALF_BYTES, halfBytes);
  store<u32>(rnic + R_OWN_TABLE, segBase + ownTable);
  store<u32>(rnic + R_PEER_TABLE, segBase + peerTable);
  store<u32>(rnic + R_ENTRIES, entries);
  store<u32>(rnic + R_GENERATION, 0);
  memory.fill(rnic + R_TABLE, 0, entries * REG_ENTRY_BYTES);
  memory.fill(segBase + ownTable, 0, entries * REG_ENTRY_BYTES);
  store<u32>(rnic + R_UP, 1);
  return 0;
}

/**
 * Takes the connection down (MEM-3): withdraws every published region and refuses every
 * later registration and work request with ERR_NOTCONN. Idempotent.
 */
export function rnicDown(rnic: u32): void {
  const entries = load<u32>(rnic + R_ENTRIES);
  const ownTable = load<u32>(rnic + R_OWN_TABLE);
  for (let index: u32 = 0; index < entries; index++) {
    atomic.store<u32>(ownTable + index * REG_ENTRY_BYTES + REG_KEY_OFFSET, 0);
    store<u32>(rnic + R_TABLE + index * REG_ENTRY_BYTES + REG_KEY_OFFSET, 0);
  }
  store<u32>(rnic + R_UP, 0);
}

/**
 * Absolute address of bytes [offset, offset + length) of the peer's region `key`, after
 * checking the entry the peer published: key, `access`, and that the region lies inside the
 * peer's bulk half. ERR_PROTO for an unknown key or bad bounds, ERR_ACCES for access (MEM-4).
 */
export function rnicRemote(rnic: u32, key: u32, offset: u32, length: u32, access: u32): i32 {
  const index = key & REG_KEY_INDEX_MASK;
  if (key == 0 || index >= load<u32>(rnic + R_ENTRIES)) return ERR_PROTO;
  const entry = load<u32>(rnic + R_PEER_TABLE) + index * REG_ENTRY_BYTES;
  // Acquire load of the key, pairing with memRegister's release store on the peer's side.
  if (atomic.load<u32>(entry + REG_KEY_OFFSET) != key) return ERR_PROTO;
  // Each word is read once into a local; a peer rewriting them meanwhile changes nothing.
  const start = load<u32>(entry + REG_OFFSET_OFFSET);
  const bytes = load<u32>(entry + REG_LENGTH_OFFSET);
  const flags = load<u32>(entry + REG_ACCESS_OFFSET);
  const half = load<u32>(rnic + R_PEER_HALF);
  if (start < half || <u64>start + <u64>bytes > <u64>half + <u64>load<u32>(rnic + R_HALF_BYTES)) {
    return ERR_PROTO;
  }
  if (<u64>offset + <u64>length > <u64>bytes) return ERR_PROTO;
  if ((flags & access) != access) return ERR_ACCES;
  return <i32>(load<u32>(rnic + R_SEG_BASE) + start + offset);
}

/**
 * Absolute address of the first `length` bytes of the peer's region `key`, checked exactly as
 * an RDMA READ of them would be (rnicRemote with MEM_READ), for a caller that copies them out
 * itself: one copy straight to its destination instead of two through a local registration.
 * ERR_NOTCONN when the connection is down, else as rnicRemote.
 */
export function rnicReadSource(rnic: u32, key: u32, length: u32): i32 {
  if (load<u32>(rnic + R_UP) == 0) return ERR_NOTCONN;
  return rnicRemote(rnic, key, 0, length, MEM_READ);
}

// Absolute address of [offset, offset + length) of the local region `key`, or a status.
function localAddress(rnic: u32, key: u32, offset: u32, length: u32, access: u32): i32 {
  const entry = memEntry(rnic, key);
  if (entry == 0) return ERR_INVAL;
  if (<u64>offset + <u64>length > <u64>load<u32>(entry + REG_LENGTH_OFFSET)) return ERR_INVAL;
  if ((load<u32>(entry + REG_ACCESS_OFFSET) & ~ACCESS_REMOTE & access) != access) {
    return ERR_ACCES;
  }
  return <i32>(load<u32>(entry + REG_OFFSET_OFFSET) + offset);
}

// Runs one work request; returns the bytes moved or a status (the completion's result).
function execute(rnic: u32, sqe: u32): i32 {
  if (load<u32>(rnic + R_UP) == 0) return ERR_NOTCONN;
  const opcode = <u32>load<u16>(sqe + SQE_OPCODE_OFFSET);
  const length = load<u32>(sqe + SQE_LENGTH_OFFSET);
  const localKey = load<u32>(sqe + SQE_LOCAL_KEY_OFFSET);
  const localOffset = load<u32>(sqe + SQE_LOCAL_OFFSET_OFFSET);
  const remoteKey = load<u32>(sqe + SQE_REMOTE_KEY_OFFSET);
  const remoteOffset = load<u32>(sqe + SQE_REMOTE_OFFSET_OFFSET);
  if (opcode == OP_RDMA_READ) {
    const dst = localAddress(rnic, localKey, localOffset, length, MEM_WRITE);
    if (dst < 0) return dst;
    const src = rnicRemote(rnic, remoteKey, remoteOffset, length, MEM_READ);
    if (src < 0) return src;
    memory.copy(<u32>dst, <u32>src, length);
    return <i32>length;
  }
  if (opcode == OP_RDMA_WRITE) {
    const src = localAddress(rnic, localKey, localOffset, length, MEM_READ);
    if (src < 0) return src;
    const dst = rnicRemote(rnic, remoteKey, remoteOffset, length, MEM_WRITE);
    if (dst < 0) return dst;
    memory.copy(<u32>dst, <u32>src, length);
    return <i32>length;
  }
  // SEND and RECV travel on the session's message rings, not on this queue.
  return ERR_INVAL;
}

/**
 * Executes every submitted work request of the queue `sq` in order, one completion each on
 * `cq` (result: bytes moved, or ERR_INVAL / ERR_ACCES / ERR_PROTO / ERR_NOTCONN). Stops early
 * when `cq` is full. Returns how many ran, or the queue's status when a ring is corrupt.
 */
export function rnicExecute(rnic: u32, sq: u32, cq: u32): i32 {
  let done: i32 = 0;
  for (;;) {
    const sqe = sqFront(sq);
    if (sqe == ERR_AGAIN) break;
    if (sqe < 0) return sqe;
    const userData = <u32>load<u64>(<u32>sqe + SQE_USER_DATA_OFFSET);
    const pushed = cqPush(cq, userData, execute(rnic, <u32>sqe), 0);
    if (pushed < 0) break;
    ringAdvance(sq);
    done++;
  }
  ringRelease(sq);
  ringCommit(cq);
  return done;
}
