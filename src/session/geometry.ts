// The shape of a session segment (rings, registration table, bulk halves), its defaults and
// the numbers derived from it. Both ends must use the same geometry; the WASM core checks the
// segment's header against it before either side touches the rings.
import type { CoreExports } from '../wasm/core.js';
import {
  MSG_HEADER_BYTES,
  SEG_BULK_ALIGN_BYTES,
  SES_RNDV_HEADER_BYTES,
} from '../wasm/layout.generated.js';
import { SAN_BUFFER_MAX_BYTES, SAN_BUFFER_MIN_BYTES } from '../types/requests.js';
import { statusToError } from '../errors.js';

/** The geometry of one connection's segment. All sizes in bytes. */
export interface SessionGeometry {
  /** Slots per message ring (posted receive buffers = credits, SES-4); a power of two. */
  capacity: number;
  /** Bytes per slot including the 8-byte message header; a multiple of 8. */
  slotBytes: number;
  /** Registrations per side in the segment's table. */
  entries: number;
  /** Bytes of each side's bulk half (large sends are staged there); a multiple of 64. */
  halfBytes: number;
}

/**
 * Defaults: 16 slots of 8 KiB per direction and 256 KiB of bulk per side, 768 KiB + 1 KiB in
 * all, so 256 connections map under 200 MiB of segments (touched only as used). A 64 KiB
 * write takes one 8 KiB RNDV slot plus 56 KiB of bulk, four in flight at once. Measured with
 * bench/session-throughput.ts (1 GiB, 64 KiB writes, one process): about 4.7 GiB/s, the same
 * as with twice the memory, against 1.4 GiB/s for TCP loopback; 64 KiB slots reach 8.3 GiB/s
 * but cost 4 MiB per connection.
 */
export const DEFAULT_GEOMETRY: Readonly<SessionGeometry> = {
  capacity: 16,
  slotBytes: 8192,
  entries: 16,
  halfBytes: 256 * 1024,
};

/**
 * The default geometry with `halfBytes` of bulk per side (the `sanBufferBytes` option),
 * rounded up to the bulk alignment.
 */
export function withBulk(halfBytes: number): SessionGeometry {
  const aligned = Math.ceil(halfBytes / SEG_BULK_ALIGN_BYTES) * SEG_BULK_ALIGN_BYTES;
  return { ...DEFAULT_GEOMETRY, halfBytes: aligned };
}

/** Whether a peer's requested bulk half is one withBulk() could have made. */
export function isBulkHalf(halfBytes: number): boolean {
  return (
    Number.isInteger(halfBytes) &&
    halfBytes % SEG_BULK_ALIGN_BYTES === 0 &&
    halfBytes >= SAN_BUFFER_MIN_BYTES &&
    halfBytes <= SAN_BUFFER_MAX_BYTES
  );
}

/** Largest payload of one message: the slot less its header. */
export function maxPayload(geometry: SessionGeometry): number {
  return geometry.slotBytes - MSG_HEADER_BYTES;
}

/** Largest first part an RNDV message carries (SES-9). */
export function rndvFirstBytes(geometry: SessionGeometry): number {
  return maxPayload(geometry) - SES_RNDV_HEADER_BYTES;
}

/** Bytes of a segment with `geometry`; throws the core's status (EINVAL) when it refuses it. */
export function segmentBytes(core: CoreExports, geometry: SessionGeometry): number {
  const { capacity, slotBytes, entries, halfBytes } = geometry;
  const bytes = core.segBytes(capacity, slotBytes, entries, halfBytes);
  if (bytes < 0) throw statusToError(bytes, { syscall: 'segBytes' });
  return bytes;
}

/**
 * Formats a new segment at absolute address `segment` (called once, by its creator, before
 * the peer learns of it). Returns its size in bytes; throws the core's status on refusal.
 */
export function formatSegment(
  core: CoreExports,
  segment: number,
  geometry: SessionGeometry,
): number {
  const { capacity, slotBytes, entries, halfBytes } = geometry;
  const bytes = core.segFormat(segment, capacity, slotBytes, entries, halfBytes);
  if (bytes < 0) throw statusToError(bytes, { syscall: 'segFormat' });
  return bytes;
}
