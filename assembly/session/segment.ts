// The per-connection segment: header, two data rings, two control rings, the registration
// table and the bulk area (diagram in assembly/layout.ts). The creator formats it; each side then checks
// every header word against the geometry it expects, since the creator could be hostile.

import {
  SEG_MAGIC,
  SEG_VERSION,
  SEG_MAGIC_OFFSET,
  SEG_VERSION_OFFSET,
  SEG_TOTAL_BYTES_OFFSET,
  SEG_RING_CAPACITY_OFFSET,
  SEG_SLOT_BYTES_OFFSET,
  SEG_RING_C2A_OFFSET,
  SEG_RING_A2C_OFFSET,
  SEG_REG_TABLE_OFFSET,
  SEG_REG_ENTRIES_OFFSET,
  SEG_BULK_OFFSET,
  SEG_BULK_BYTES_OFFSET,
  SEG_CTL_C2A_OFFSET,
  SEG_CTL_A2C_OFFSET,
  SEG_CONNECTOR_FLAGS_OFFSET,
  SEG_ACCEPTOR_FLAGS_OFFSET,
  SEG_HEADER_BYTES,
  SEG_BULK_ALIGN_BYTES,
  SEG_MAX_REG_ENTRIES,
  REG_ENTRY_BYTES,
  CACHE_LINE_BYTES,
  SES_CTL_RING_CAPACITY,
  SES_CTL_SLOT_BYTES,
} from '../layout';
import { ERR_INVAL, ERR_PROTO } from '../status';
import { ringBytes, ringFormat } from '../ring';

@inline function put(seg: u32, offset: u32, value: u32): void {
  store<u32>(seg + offset, value);
}

/**
 * Segment-relative offset of the bulk area for this geometry (the table and rings precede
 * it), or ERR_INVAL when the geometry is not acceptable. `halfBytes` is one side's bulk half.
 */
export function segBulkOffset(capacity: u32, slotBytes: u32, entries: u32, halfBytes: u32): i32 {
  const ring = ringBytes(capacity, slotBytes);
  if (ring < 0) return ring;
  if (entries == 0 || entries > SEG_MAX_REG_ENTRIES) return ERR_INVAL;
  if ((halfBytes & (SEG_BULK_ALIGN_BYTES - 1)) != 0) return ERR_INVAL;
  const table = (2 * entries * REG_ENTRY_BYTES + CACHE_LINE_BYTES - 1) & ~(CACHE_LINE_BYTES - 1);
  const control = <u64>controlRingBytes();
  const bulk = <u64>SEG_HEADER_BYTES + 2 * <u64>ring + 2 * control + <u64>table;
  return bulk + 2 * <u64>halfBytes > <u64>i32.MAX_VALUE ? ERR_INVAL : <i32>bulk;
}

/** Bytes of one control ring (the same for every geometry). */
export function controlRingBytes(): u32 {
  return <u32>ringBytes(SES_CTL_RING_CAPACITY, SES_CTL_SLOT_BYTES);
}

/** Segment-relative offset of the registration table (the control rings precede it). */
@inline function tableOffset(ring: u32): u32 {
  return SEG_HEADER_BYTES + 2 * ring + 2 * controlRingBytes();
}

/** Total bytes of a segment with this geometry, or ERR_INVAL. */
export function segBytes(capacity: u32, slotBytes: u32, entries: u32, halfBytes: u32): i32 {
  const bulk = segBulkOffset(capacity, slotBytes, entries, halfBytes);
  return bulk < 0 ? bulk : bulk + <i32>(2 * halfBytes);
}

/**
 * Writes the header of a new segment at absolute address `seg` (64-byte aligned), formats
 * both rings and clears the flags and the table. Called once, by the creator, before the
 * peer learns of the segment. Returns the total bytes, or ERR_INVAL.
 */
export function segFormat(seg: u32, capacity: u32, slotBytes: u32, entries: u32, halfBytes: u32): i32 {
  const bulk = segBulkOffset(capacity, slotBytes, entries, halfBytes);
  if (bulk < 0 || (seg & (CACHE_LINE_BYTES - 1)) != 0) return ERR_INVAL;
  const total = <u32>bulk + 2 * halfBytes;
  if (<u64>seg + <u64>total > <u64>memory.size() << 16) return ERR_INVAL;
  const ring = <u32>ringBytes(capacity, slotBytes);
  const control = controlRingBytes();
  memory.fill(seg, 0, SEG_HEADER_BYTES);
  put(seg, SEG_MAGIC_OFFSET, SEG_MAGIC);
  put(seg, SEG_VERSION_OFFSET, SEG_VERSION);
  put(seg, SEG_TOTAL_BYTES_OFFSET, total);
  put(seg, SEG_RING_CAPACITY_OFFSET, capacity);
  put(seg, SEG_SLOT_BYTES_OFFSET, slotBytes);
  put(seg, SEG_RING_C2A_OFFSET, SEG_HEADER_BYTES);
  put(seg, SEG_RING_A2C_OFFSET, SEG_HEADER_BYTES + ring);
  put(seg, SEG_REG_TABLE_OFFSET, tableOffset(ring));
  put(seg, SEG_REG_ENTRIES_OFFSET, entries);
  put(seg, SEG_BULK_OFFSET, <u32>bulk);
  put(seg, SEG_BULK_BYTES_OFFSET, 2 * halfBytes);
  put(seg, SEG_CTL_C2A_OFFSET, SEG_HEADER_BYTES + 2 * ring);
  put(seg, SEG_CTL_A2C_OFFSET, SEG_HEADER_BYTES + 2 * ring + control);
  ringFormat(seg + SEG_HEADER_BYTES);
  ringFormat(seg + SEG_HEADER_BYTES + ring);
  ringFormat(seg + SEG_HEADER_BYTES + 2 * ring);
  ringFormat(seg + SEG_HEADER_BYTES + 2 * ring + control);
  memory.fill(seg + tableOffset(ring), 0, <u32>bulk - tableOffset(ring));
  return <i32>total;
}

@inline function same(seg: u32, offset: u32, value: u32): bool {
  return load<u32>(seg + offset) == value;
}

/**
 * Checks the header at `seg` against the geometry this side expects: 0 when every word
 * matches and the segment fits the memory; ERR_INVAL for a geometry this side could not
 * use itself; ERR_PROTO when the creator wrote anything else.
 */
export function segCheck(seg: u32, capacity: u32, slotBytes: u32, entries: u32, halfBytes: u32): i32 {
  const bulk = segBulkOffset(capacity, slotBytes, entries, halfBytes);
  if (bulk < 0 || (seg & (CACHE_LINE_BYTES - 1)) != 0) return ERR_INVAL;
  const total = <u32>bulk + 2 * halfBytes;
  if (<u64>seg + <u64>total > <u64>memory.size() << 16) return ERR_INVAL;
  const ring = <u32>ringBytes(capacity, slotBytes);
  const control = controlRingBytes();
  if (
    !same(seg, SEG_MAGIC_OFFSET, SEG_MAGIC) ||
    !same(seg, SEG_VERSION_OFFSET, SEG_VERSION) ||
    !same(seg, SEG_TOTAL_BYTES_OFFSET, total) ||
    !same(seg, SEG_RING_CAPACITY_OFFSET, capacity) ||
    !same(seg, SEG_SLOT_BYTES_OFFSET, slotBytes) ||
    !same(seg, SEG_RING_C2A_OFFSET, SEG_HEADER_BYTES) ||
    !same(seg, SEG_RING_A2C_OFFSET, SEG_HEADER_BYTES + ring) ||
    !same(seg, SEG_REG_TABLE_OFFSET, tableOffset(ring)) ||
    !same(seg, SEG_REG_ENTRIES_OFFSET, entries) ||
    !same(seg, SEG_BULK_OFFSET, <u32>bulk) ||
    !same(seg, SEG_BULK_BYTES_OFFSET, 2 * halfBytes) ||
    !same(seg, SEG_CTL_C2A_OFFSET, SEG_HEADER_BYTES + 2 * ring) ||
    !same(seg, SEG_CTL_A2C_OFFSET, SEG_HEADER_BYTES + 2 * ring + control)
  ) {
    return ERR_PROTO;
  }
  return 0;
}

/** Segment offset of the flags word that `role` writes. */
export function segFlagsOffset(role: u32): u32 {
  return role == 0 ? SEG_CONNECTOR_FLAGS_OFFSET : SEG_ACCEPTOR_FLAGS_OFFSET;
}
