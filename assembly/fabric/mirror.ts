// The segment mirror: how one session runs over libfabric. Each side keeps a whole copy of the
// session segment (the "image") in its own memory, registered for the peer's RDMA WRITE, and
// runs the unchanged session protocol on it. After each publication the mirror writes RDMA
// WRITE work requests that copy what this side owns and changed into the same offsets of the
// peer's image, then a SEND that wakes the peer: new slots of its two transmit rings, its
// registration table, the heads (and parked words) of its receive rings, its flags word, and
// last the tails, so that the peer never sees a slot before its contents. libfabric's
// endpoints keep the order of one endpoint's requests. Bulk bytes are not pushed: the peer
// pulls each read-based send's rest from this image by RDMA READ (SES-9a).
//
// Cursor values come from the session's private ring blocks, never from the image (the peer
// can write anywhere in it). Values that change while a write is outstanding (cursors,
// flags, the table) are copied into a staging slot first, and a staging slot is reused only
// once every write posted before it has completed.

import {
  OP_RDMA_WRITE,
  OP_SEND,
  OP_RECV,
  RING_HEAD_OFFSET,
  RING_TAIL_OFFSET,
  RING_HEADER_BYTES,
  REG_ENTRY_BYTES,
  REG_KEY_OFFSET,
  REG_OFFSET_OFFSET,
  REG_LENGTH_OFFSET,
  REG_ACCESS_OFFSET,
  CACHE_LINE_BYTES,
  SQE_BYTES,
  FAB_NOTIFY_RECV_OFFSET,
  FAB_NOTIFY_BYTES,
} from '../layout';
import { ERR_AGAIN, ERR_INVAL } from '../status';
import { ringCapacity, ringCommit, ringPending, ringPublished, ringShared, ringSlotBytes } from '../ring';
import { sqPush } from '../queue';
import { R_ENTRIES, R_OWN_TABLE, R_SEG_BASE } from '../shm/state';
import * as S from '../session/state';

// Private block, mirrorStateBytes(entries) bytes, 64-byte aligned:
//   +0 ses  +4 sq (fabric submission ring endpoint)  +8 region (the image's registration id)
//   +12 tag (user_data of writes and sends)  +16 notify (address of the wake-up buffers)
//   +20 pushed tx tail  +24 pushed control tx tail  +28 posted  +32 completed  +36 flushes
//   +40 shadow rx head  +44 shadow rx parked  +48 shadow control rx head  +52 its parked
//   +56 shadow flags  +60 receive tag  +64 the block's own registration id (local access only:
//   staged copies are sent from it)
//   +68 marks[STAGES] (posted count after the flush that last used each staging slot)
//   +128 shadow table (entries × REG_ENTRY_BYTES), then STAGES staging slots
@inline const M_SES: u32 = 0;
@inline const M_SQ: u32 = 4;
@inline const M_REGION: u32 = 8;
@inline const M_TAG: u32 = 12;
@inline const M_NOTIFY: u32 = 16;
@inline const M_TX_PUSHED: u32 = 20;
@inline const M_CTL_PUSHED: u32 = 24;
@inline const M_POSTED: u32 = 28;
@inline const M_COMPLETED: u32 = 32;
@inline const M_FLUSHES: u32 = 36;
@inline const M_RX_HEAD: u32 = 40;
@inline const M_CTL_HEAD: u32 = 48;
@inline const M_FLAGS: u32 = 56;
@inline const M_RECV_TAG: u32 = 60;
@inline const M_STAGE_REGION: u32 = 64;
@inline const M_MARKS: u32 = 68;
@inline const M_TABLE: u32 = 128;
@inline const STAGES: u32 = 8;
/**
 * Most work requests one flush writes: two ranges of slots per transmit ring, the table, two
 * heads, the flags, two tails and the wake-up.
 */
@inline const MAX_REQUESTS: u32 = 11;

// A staging slot: +0 tx tail, +4 control tx tail, +8 rx head, +12 rx parked, +16 control rx
// head, +20 its parked, +24 flags; +64 a copy of the table.
@inline const G_TX_TAIL: u32 = 0;
@inline const G_CTL_TAIL: u32 = 4;
@inline const G_RX_HEAD: u32 = 8;
@inline const G_CTL_HEAD: u32 = 16;
@inline const G_FLAGS: u32 = 24;
@inline const G_TABLE: u32 = 64;

@inline function tableBytes(entries: u32): u32 {
  return entries * REG_ENTRY_BYTES;
}

@inline function stageBytes(entries: u32): u32 {
  return (G_TABLE + tableBytes(entries) + CACHE_LINE_BYTES - 1) & ~(CACHE_LINE_BYTES - 1);
}

@inline function stagesAt(m: u32, entries: u32): u32 {
  return m + ((M_TABLE + tableBytes(entries) + CACHE_LINE_BYTES - 1) & ~(CACHE_LINE_BYTES - 1));
}


/** Bytes of a mirror's private block for a session of `entries` registrations per side. */
export function mirrorStateBytes(entries: u32): u32 {
  return stagesAt(0, entries) + STAGES * stageBytes(entries);
}

/**
 * Sets up the private block `m` (64-byte aligned) for the session `ses`, whose segment is
 * this side's image: work requests go to the fabric submission ring endpoint `sq`, local
 * buffers lie in registration `region` (which covers the image and the wake-up area at
 * `notify`), staged copies in registration `stageRegion` (which covers `m` itself, for local
 * access only: the peer must never reach this block), and carry `tag` (writes, sends) or
 * `recvTag` (wake-up receives). Returns 0 or ERR_INVAL when the submission ring cannot hold
 * one flush.
 */
export function mirrorInit(
  m: u32,
  ses: u32,
  sq: u32,
  region: u32,
  stageRegion: u32,
  tag: u32,
  recvTag: u32,
  notify: u32,
): i32 {
  const rnic = ses + S.S_RNIC;
  const entries = load<u32>(rnic + R_ENTRIES);
  if ((m & 63) != 0 || ringSlotBytes(sq) != SQE_BYTES) return ERR_INVAL;
  if (ringCapacity(sq) < MAX_REQUESTS) return ERR_INVAL;
  memory.fill(m, 0, mirrorStateBytes(entries));
  store<u32>(m + M_SES, ses);
  store<u32>(m + M_SQ, sq);
  store<u32>(m + M_REGION, region);
  store<u32>(m + M_STAGE_REGION, stageRegion);
  store<u32>(m + M_TAG, tag);
  store<u32>(m + M_RECV_TAG, recvTag);
  store<u32>(m + M_NOTIFY, notify);
  store<u32>(m + M_TX_PUSHED, ringPublished(ses + S.S_TX));
  store<u32>(m + M_CTL_PUSHED, ringPublished(ses + S.S_CTL_TX));
  store<u32>(m + M_RX_HEAD, ringPublished(ses + S.S_RX));
  store<u32>(m + M_CTL_HEAD, ringPublished(ses + S.S_CTL_RX));
  return 0;
}

// Queues one RDMA WRITE of [local, local + length) to the same offset of the peer's image
// (remote slot 0).
function write(m: u32, local: u32, length: u32): void {
  if (length == 0) return;
  const seg = load<u32>(load<u32>(m + M_SES) + S.S_RNIC + R_SEG_BASE);
  sqPush(load<u32>(m + M_SQ), OP_RDMA_WRITE, 0, length, load<u32>(m + M_TAG), local, load<u32>(m + M_REGION), local - seg, 0);
  store<u32>(m + M_POSTED, load<u32>(m + M_POSTED) + 1);
}

// Queues an RDMA WRITE of `length` bytes at image address `at` from the staged copy `from`.
function writeStaged(m: u32, from: u32, at: u32, length: u32): void {
  const seg = load<u32>(load<u32>(m + M_SES) + S.S_RNIC + R_SEG_BASE);
  sqPush(load<u32>(m + M_SQ), OP_RDMA_WRITE, 0, length, load<u32>(m + M_TAG), from, load<u32>(m + M_STAGE_REGION), at - seg, 0);
  store<u32>(m + M_POSTED, load<u32>(m + M_POSTED) + 1);
}

// Queues the slots [from, to) of the transmit ring behind `local` (at most two ranges).
function writeSlots(m: u32, local: u32, from: u32, to: u32): void {
  const capacity = ringCapacity(local);
  const slotBytes = ringSlotBytes(local);
  const slots = ringShared(local) + RING_HEADER_BYTES;
  const count = to - from;
  const first = from & (capacity - 1);
  const run = min<u32>(count, capacity - first);
  write(m, slots + first * slotBytes, run * slotBytes);
  if (count > run) write(m, slots, (count - run) * slotBytes);
}

// Whether this side's registration table changed since the shadow copy (which it updates).
// The regions themselves are not copied: the peer pulls a read-based send's bytes from this
// side's image by RDMA READ (SES-9a), only once and only the bytes it was announced.
function tableChanged(m: u32, rnic: u32, entries: u32): bool {
  const table = load<u32>(rnic + R_OWN_TABLE);
  let changed = false;
  for (let i: u32 = 0; i < entries; i++) {
    const entry = table + i * REG_ENTRY_BYTES;
    const shadow = m + M_TABLE + i * REG_ENTRY_BYTES;
    const key = atomic.load<u32>(entry + REG_KEY_OFFSET);
    const offset = load<u32>(entry + REG_OFFSET_OFFSET);
    const length = load<u32>(entry + REG_LENGTH_OFFSET);
    const access = load<u32>(entry + REG_ACCESS_OFFSET);
    if (key == load<u32>(shadow + REG_KEY_OFFSET) && offset == load<u32>(shadow + REG_OFFSET_OFFSET) &&
        length == load<u32>(shadow + REG_LENGTH_OFFSET) && access == load<u32>(shadow + REG_ACCESS_OFFSET)) {
      continue;
    }
    changed = true;
    store<u32>(shadow + REG_KEY_OFFSET, key);
    store<u32>(shadow + REG_OFFSET_OFFSET, offset);
    store<u32>(shadow + REG_LENGTH_OFFSET, length);
    store<u32>(shadow + REG_ACCESS_OFFSET, access);
  }
  return changed;
}

// Queues the head and parked words of the receive ring behind `local` when they changed
// since the shadow pair at `m + shadow`, from the staged copy at `staged`.
function writeHead(m: u32, local: u32, shadow: u32, staged: u32): void {
  const head = ringPublished(local);
  const parked = atomic.load<u32>(ringShared(local) + RING_HEAD_OFFSET + 4);
  if (head == load<u32>(m + shadow) && parked == load<u32>(m + shadow + 4)) return;
  store<u32>(staged, head);
  store<u32>(staged + 4, parked);
  writeStaged(m, staged, ringShared(local) + RING_HEAD_OFFSET, 8);
  store<u32>(m + shadow, head);
  store<u32>(m + shadow + 4, parked);
}

// Queues the tail of the transmit ring behind `local` when it moved past the shadow at
// `m + shadow`, from the staged copy at `staged`.
function writeTail(m: u32, local: u32, shadow: u32, staged: u32): void {
  const tail = ringPublished(local);
  if (tail == load<u32>(m + shadow)) return;
  store<u32>(staged, tail);
  writeStaged(m, staged, ringShared(local) + RING_TAIL_OFFSET, 4);
  store<u32>(m + shadow, tail);
}

/**
 * Copies what this side changed since the last flush into the peer's image and wakes it.
 * Returns the number of work requests queued on the submission ring (0 when nothing
 * changed), or ERR_AGAIN when the ring lacks room for a whole flush or every staging slot
 * still has writes outstanding (flush again after submitting, or after completions).
 */
export function mirrorFlush(m: u32): i32 {
  const ses = load<u32>(m + M_SES);
  const rnic = ses + S.S_RNIC;
  const entries = load<u32>(rnic + R_ENTRIES);
  const sq = load<u32>(m + M_SQ);
  const txTail = ringPublished(ses + S.S_TX);
  const ctlTail = ringPublished(ses + S.S_CTL_TX);
  const flagsAt = load<u32>(ses + S.S_OWN_FLAGS);
  const flags = atomic.load<u32>(flagsAt);
  const pending = ringPending(sq);
  if (pending < 0 || <u32>pending + MAX_REQUESTS > ringCapacity(sq)) return ERR_AGAIN;
  const flush = load<u32>(m + M_FLUSHES);
  const stage = stagesAt(m, entries) + (flush % STAGES) * stageBytes(entries);
  const mark = m + M_MARKS + (flush % STAGES) * 4;
  if (<i32>(load<u32>(m + M_COMPLETED) - load<u32>(mark)) < 0) return ERR_AGAIN;
  const before = load<u32>(m + M_POSTED);
  const table = tableChanged(m, rnic, entries);
  const txPushed = load<u32>(m + M_TX_PUSHED);
  const ctlPushed = load<u32>(m + M_CTL_PUSHED);
  writeSlots(m, ses + S.S_TX, txPushed, txTail);
  writeSlots(m, ses + S.S_CTL_TX, ctlPushed, ctlTail);
  if (table) {
    memory.copy(stage + G_TABLE, m + M_TABLE, tableBytes(entries));
    writeStaged(m, stage + G_TABLE, load<u32>(rnic + R_OWN_TABLE), tableBytes(entries));
  }
  writeHead(m, ses + S.S_RX, M_RX_HEAD, stage + G_RX_HEAD);
  writeHead(m, ses + S.S_CTL_RX, M_CTL_HEAD, stage + G_CTL_HEAD);
  if (flags != load<u32>(m + M_FLAGS)) {
    store<u32>(stage + G_FLAGS, flags);
    writeStaged(m, stage + G_FLAGS, flagsAt, 4);
    store<u32>(m + M_FLAGS, flags);
  }
  // The tails last: the peer may read a slot once it sees the tail that covers it.
  writeTail(m, ses + S.S_TX, M_TX_PUSHED, stage + G_TX_TAIL);
  writeTail(m, ses + S.S_CTL_TX, M_CTL_PUSHED, stage + G_CTL_TAIL);
  const queued = load<u32>(m + M_POSTED) - before;
  if (queued == 0) return 0;
  // The wake-up: its completion at the peer comes after every write above has landed.
  sqPush(sq, OP_SEND, 0, 4, load<u32>(m + M_TAG), load<u32>(m + M_NOTIFY), load<u32>(m + M_REGION), 0, 0);
  store<u32>(m + M_POSTED, load<u32>(m + M_POSTED) + 1);
  store<u32>(mark, load<u32>(m + M_POSTED));
  store<u32>(m + M_FLUSHES, flush + 1);
  ringCommit(sq);
  return <i32>(queued + 1);
}

/**
 * Queues one wake-up SEND whether or not anything changed: a closed connection that waits for
 * its peer sends one now and then, since a SEND to a peer that is gone fails (its completion
 * reports it), where waiting alone would hear nothing. Returns 0 or sqPush's status.
 */
export function mirrorProbe(m: u32): i32 {
  const sq = load<u32>(m + M_SQ);
  const status = sqPush(sq, OP_SEND, 0, 4, load<u32>(m + M_TAG), load<u32>(m + M_NOTIFY), load<u32>(m + M_REGION), 0, 0);
  if (status < 0) return status;
  store<u32>(m + M_POSTED, load<u32>(m + M_POSTED) + 1);
  ringCommit(sq);
  return 0;
}

/** Counts `count` completions of this mirror's writes and sends (successful or not). */
export function mirrorCompleted(m: u32, count: u32): void {
  store<u32>(m + M_COMPLETED, load<u32>(m + M_COMPLETED) + count);
}

/** Writes and sends queued by flushes whose completions have not all arrived yet. */
export function mirrorOutstanding(m: u32): u32 {
  return load<u32>(m + M_POSTED) - load<u32>(m + M_COMPLETED);
}

/**
 * Queues one receive for a wake-up (they all land in the same buffer: their contents are
 * never read). Returns 0 or sqPush's status.
 */
export function mirrorReceive(m: u32): i32 {
  const sq = load<u32>(m + M_SQ);
  const at = load<u32>(m + M_NOTIFY) + FAB_NOTIFY_RECV_OFFSET;
  const length = FAB_NOTIFY_BYTES - FAB_NOTIFY_RECV_OFFSET;
  const status = sqPush(sq, OP_RECV, 0, length, load<u32>(m + M_RECV_TAG), at, load<u32>(m + M_REGION), 0, 0);
  if (status < 0) return status;
  ringCommit(sq);
  return 0;
}
