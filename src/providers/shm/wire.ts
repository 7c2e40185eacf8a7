// The connection set-up messages sent over the rendezvous channel: the connector's REQUEST
// and the acceptor's ACCEPT (with the segment and doorbell fds), REJECT (the application
// refused: ECONNREFUSED) or DECLINE (the acceptor lacks resources: the connector goes on
// over TCP, as SMC declines with a reason code). Every message from
// the peer is checked field by field; anything unexpected is a protocol violation (null).
import { isIP } from 'node:net';
import { isBulkHalf } from '../../session/geometry.js';
import { invalidArgValue } from '../../errors.js';

/** Version of the set-up messages; a peer with another version is refused. */
export const SETUP_VERSION = 2;
/** Largest set-up message, in bytes (a REQUEST with two IPv6 addresses is under 100). */
export const SETUP_MAX_BYTES = 256;
/** Descriptors an ACCEPT carries: the segment, the connector's doorbell, the acceptor's. */
export const ACCEPT_FDS = 3;

const REQUEST_MAGIC = 0x53485251; // 'SHRQ'
const ANSWER_MAGIC = 0x5348414e; // 'SHAN'
const VERDICT_ACCEPT = 1;
const VERDICT_REJECT = 2;
const VERDICT_DECLINE = 3;
const REQUEST_FIXED_BYTES = 20;
const ANSWER_BYTES = 16;
const MAX_ADDRESS_BYTES = 45;

/** What a connector asks for: its own endpoint and the one it dialled. */
export interface SetupRequest {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** Bytes of each side's bulk half the connector asks for (isBulkHalf). */
  halfBytes: number;
}

/** Why an acceptor declined: its SAN memory, its descriptors, or this peer's share. */
export type DeclineReason = 'no-memory' | 'no-descriptors' | 'peer-limit';

const DECLINE_CODES: readonly DeclineReason[] = ['no-memory', 'no-descriptors', 'peer-limit'];

/** The acceptor's answer. */
export type SetupAnswer =
  | { verdict: 'accept'; segmentBytes: number }
  | { verdict: 'reject' }
  | { verdict: 'decline'; reason: DeclineReason };

function isPort(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 65535;
}

/** Encodes a REQUEST. Throws ERR_INVALID_ARG_VALUE for an address that is not an IP or a bad port. */
export function encodeRequest(request: SetupRequest): Uint8Array {
  const local = Buffer.from(request.localAddress, 'latin1');
  const remote = Buffer.from(request.remoteAddress, 'latin1');
  if (isIP(request.localAddress) === 0 || isIP(request.remoteAddress) === 0) {
    throw invalidArgValue('request.address', request.remoteAddress, 'must be an IP address');
  }
  if (!isPort(request.localPort) || !isPort(request.remotePort)) {
    throw invalidArgValue('request.port', request.remotePort, 'must be 0..65535');
  }
  const bytes = new Uint8Array(REQUEST_FIXED_BYTES + 2 + local.length + remote.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, REQUEST_MAGIC, true);
  view.setUint32(4, SETUP_VERSION, true);
  view.setUint32(8, request.localPort, true);
  view.setUint32(12, request.remotePort, true);
  view.setUint32(16, request.halfBytes, true);
  bytes[REQUEST_FIXED_BYTES] = local.length;
  bytes.set(local, REQUEST_FIXED_BYTES + 1);
  bytes[REQUEST_FIXED_BYTES + 1 + local.length] = remote.length;
  bytes.set(remote, REQUEST_FIXED_BYTES + 2 + local.length);
  return bytes;
}

/** Reads a length-prefixed IP at `at`; null unless it is a well-formed IP inside `bytes`. */
function readAddress(bytes: Uint8Array, at: number): string | null {
  const length = bytes[at];
  if (length === undefined || length === 0 || length > MAX_ADDRESS_BYTES) return null;
  if (at + 1 + length > bytes.length) return null;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + at + 1, length).toString('latin1');
  return isIP(text) === 0 ? null : text;
}

/** Decodes a REQUEST from a peer; null when any field is malformed. */
export function decodeRequest(bytes: Uint8Array): SetupRequest | null {
  if (bytes.length < REQUEST_FIXED_BYTES + 2 || bytes.length > SETUP_MAX_BYTES) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== REQUEST_MAGIC || view.getUint32(4, true) !== SETUP_VERSION) {
    return null;
  }
  const localPort = view.getUint32(8, true);
  const remotePort = view.getUint32(12, true);
  if (!isPort(localPort) || !isPort(remotePort)) return null;
  const halfBytes = view.getUint32(16, true);
  if (!isBulkHalf(halfBytes)) return null;
  const localAddress = readAddress(bytes, REQUEST_FIXED_BYTES);
  if (localAddress === null) return null;
  const next = REQUEST_FIXED_BYTES + 1 + localAddress.length;
  const remoteAddress = readAddress(bytes, next);
  if (remoteAddress === null || next + 1 + remoteAddress.length !== bytes.length) return null;
  return { localAddress, localPort, remoteAddress, remotePort, halfBytes };
}

/** Encodes an answer; an ACCEPT is sent with ACCEPT_FDS descriptors. */
export function encodeAnswer(answer: SetupAnswer): Uint8Array {
  const bytes = new Uint8Array(ANSWER_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, ANSWER_MAGIC, true);
  view.setUint32(4, SETUP_VERSION, true);
  if (answer.verdict === 'accept') {
    view.setUint32(8, VERDICT_ACCEPT, true);
    view.setUint32(12, answer.segmentBytes, true);
  } else if (answer.verdict === 'decline') {
    view.setUint32(8, VERDICT_DECLINE, true);
    view.setUint32(12, DECLINE_CODES.indexOf(answer.reason) + 1, true);
  } else {
    view.setUint32(8, VERDICT_REJECT, true);
  }
  return bytes;
}

/** Decodes an answer from a peer; null when any field is malformed. */
export function decodeAnswer(bytes: Uint8Array): SetupAnswer | null {
  if (bytes.length !== ANSWER_BYTES) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== ANSWER_MAGIC || view.getUint32(4, true) !== SETUP_VERSION) {
    return null;
  }
  const verdict = view.getUint32(8, true);
  const value = view.getUint32(12, true);
  if (verdict === VERDICT_REJECT) return value === 0 ? { verdict: 'reject' } : null;
  if (verdict === VERDICT_DECLINE) {
    const reason = DECLINE_CODES[value - 1];
    return reason === undefined ? null : { verdict: 'decline', reason };
  }
  if (verdict !== VERDICT_ACCEPT || value === 0) return null;
  return { verdict: 'accept', segmentBytes: value };
}
