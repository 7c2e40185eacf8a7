// The fabric provider's connection-management private data: the connector's CONNECT, the
// acceptor's ACCEPT and REJECT. Each is at most 55 bytes (what the verbs provider carries)
// and starts with a magic and a version, so that "refused by a sanswitch listener" (a tagged
// REJECT), "no SAN listener" (libfabric's reject without data) and a foreign service on the
// port differ. Every message from the peer is checked field by field; anything unexpected is
// a protocol violation (null).
import { DEFAULT_GEOMETRY, isBulkHalf, type SessionGeometry } from '../../session/geometry.js';

/** Most private data a message may have on any provider (verbs: 55 bytes). */
export const CM_MAX_BYTES = 55;
/** Version of these messages; a peer with another version is rejected. */
export const CM_VERSION = 1;

const MAGIC = 0x53464e31; // 'SFN1'
const KIND_CONNECT = 1;
const KIND_ACCEPT = 2;
const KIND_REJECT = 3;
const OFFER_BYTES = 40;
const REJECT_BYTES = 8;

/**
 * What each side tells the other in CONNECT and ACCEPT: the segment geometry (the
 * connector's proposal, which the acceptor echoes) and where the peer may RDMA WRITE this
 * side's image: the registration's key and base address, and the image's bytes.
 */
export interface ImageOffer {
  geometry: SessionGeometry;
  key: bigint;
  address: bigint;
  bytes: number;
}

/** Why a listener rejected: its application refused (ECONNREFUSED), or it declined. */
export type RejectReason = 'refused' | 'backlog' | 'no-memory' | 'protocol';

const REJECT_CODES: readonly RejectReason[] = ['refused', 'backlog', 'no-memory', 'protocol'];

function header(bytes: Uint8Array, kind: number): DataView {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  view.setUint32(0, MAGIC, true);
  view.setUint8(4, kind);
  view.setUint8(5, CM_VERSION);
  return view;
}

function encodeOffer(kind: number, offer: ImageOffer): Uint8Array {
  const bytes = new Uint8Array(OFFER_BYTES);
  const view = header(bytes, kind);
  const { geometry } = offer;
  view.setUint16(8, geometry.capacity, true);
  view.setUint16(10, geometry.entries, true);
  view.setUint32(12, geometry.slotBytes, true);
  view.setUint32(16, geometry.halfBytes, true);
  view.setUint32(20, offer.bytes, true);
  view.setBigUint64(24, offer.key, true);
  view.setBigUint64(32, offer.address, true);
  return bytes;
}

/** CONNECT: the connector's proposal and image. */
export function encodeConnect(offer: ImageOffer): Uint8Array {
  return encodeOffer(KIND_CONNECT, offer);
}

/** ACCEPT: the acceptor's image, for the geometry the connector proposed. */
export function encodeAccept(offer: ImageOffer): Uint8Array {
  return encodeOffer(KIND_ACCEPT, offer);
}

/** REJECT with its reason. */
export function encodeReject(reason: RejectReason): Uint8Array {
  const bytes = new Uint8Array(REJECT_BYTES);
  header(bytes, KIND_REJECT).setUint8(6, REJECT_CODES.indexOf(reason) + 1);
  return bytes;
}

// The message's DataView when it carries our magic, version and `kind` at `length` bytes.
function tagged(data: Uint8Array, kind: number, length: number): DataView | null {
  if (data.length !== length) return null;
  const view = new DataView(data.buffer, data.byteOffset, data.length);
  if (view.getUint32(0, true) !== MAGIC || view.getUint8(5) !== CM_VERSION) return null;
  return view.getUint8(4) === kind ? view : null;
}

/**
 * The geometry this provider accepts: the default rings and table with a bulk half that
 * `sanBufferBytes` could have asked for.
 */
function acceptable(geometry: SessionGeometry): boolean {
  return (
    geometry.capacity === DEFAULT_GEOMETRY.capacity &&
    geometry.entries === DEFAULT_GEOMETRY.entries &&
    geometry.slotBytes === DEFAULT_GEOMETRY.slotBytes &&
    isBulkHalf(geometry.halfBytes)
  );
}

function decodeOffer(data: Uint8Array, kind: number): ImageOffer | null {
  const view = tagged(data, kind, OFFER_BYTES);
  if (!view) return null;
  const geometry = {
    capacity: view.getUint16(8, true),
    entries: view.getUint16(10, true),
    slotBytes: view.getUint32(12, true),
    halfBytes: view.getUint32(16, true),
  };
  if (!acceptable(geometry)) return null;
  return {
    geometry,
    bytes: view.getUint32(20, true),
    key: view.getBigUint64(24, true),
    address: view.getBigUint64(32, true),
  };
}

/** A peer's CONNECT, or null when it is not one this side accepts. */
export function decodeConnect(data: Uint8Array): ImageOffer | null {
  return decodeOffer(data, KIND_CONNECT);
}

/** A peer's ACCEPT, or null when it is not one. */
export function decodeAccept(data: Uint8Array): ImageOffer | null {
  return decodeOffer(data, KIND_ACCEPT);
}

/** A peer's REJECT reason, or null when `data` is not a REJECT of ours (no SAN listener). */
export function decodeReject(data: Uint8Array): RejectReason | null {
  const view = tagged(data, KIND_REJECT, REJECT_BYTES);
  return view ? (REJECT_CODES[view.getUint8(6) - 1] ?? null) : null;
}
