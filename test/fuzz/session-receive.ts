// The receiving half of the session reference model: what sesPoll and sesPollControl must
// return for the oldest message of a side's rings (the model's copy of its bytes), with the
// event's fields and the bytes they point at, as assembly/layout.ts and spec/ses.md define
// them. Predicting applies the poll's effects to the model (consumption, state, the RDMA
// WRITE a TARGET performs into the image, DONE's deregistration).
import {
  ERR_AGAIN,
  ERR_PROTO,
  MEM_READ,
  MEM_WRITE,
  MSG_HEADER_BYTES,
  SES_CTL_BYTES,
  SES_EV_DATA,
  SES_EV_FIN,
  SES_EV_NEGOTIATED,
  SES_EV_RNDV_READ,
  SES_EV_RNDV_WRITE,
  SES_EV_RST,
  SES_EV_SEND_DONE,
  SES_EV_TARGET,
  SES_EV_WRITE_DONE,
  SES_FLAG_RDMA_READ,
  SES_FLAGS_KNOWN,
  SES_MSG_DATA,
  SES_MSG_DONE,
  SES_MSG_FIN,
  SES_MSG_NEGOTIATE,
  SES_MSG_RNDV,
  SES_MSG_RST,
  SES_MSG_TARGET,
  SES_NEGOTIATE_BYTES,
  SES_RNDV_HEADER_BYTES,
  SES_VERSION,
} from '../../src/wasm/layout.generated.js';
import type { SessionModel, Side } from './session-model.js';
import type { SideModel, WireRing } from './session-wire.js';

/** The sesEv* fields of an event. */
export interface EventFields {
  addr: number;
  length: number;
  key: number;
  total: number;
  /** sesEvSource, for SES_EV_RNDV_READ. */
  source?: number;
}

/** What one poll must return: the event (or status), its fields, and the bytes at them. */
export interface PollPrediction {
  result: number;
  /** Which message it is about, for reports. */
  what: string;
  fields?: EventFields;
  /** The bytes that must be at fields.addr (fields.length of them). */
  payload?: Uint8Array;
  /** The bytes that must be at fields.source (total - length of them). */
  sourceBytes?: Uint8Array;
  /** The ring whose front message this is (none for the peer's reset flag or no message). */
  ring?: WireRing;
}

const PROTO = (what: string): PollPrediction => ({ result: ERR_PROTO, what });

/** A message's little-endian u32 at `offset` of its slot. */
function word(msg: Uint8Array, offset: number): number {
  if (offset + 4 > msg.length) return 0;
  return new DataView(msg.buffer, msg.byteOffset, msg.byteLength).getUint32(offset, true);
}

/**
 * sesPoll (or with `control` sesPollControl) of `side`: its prediction, applied to the model.
 * The peer's reset flag comes first, then the control ring, then the data ring.
 */
export function predictPoll(m: SessionModel, side: Side, control: boolean): PollPrediction {
  const s = m.sides[side];
  if (m.peer(side).resetFlag) return { result: SES_EV_RST, what: 'the peer reset flag' };
  const prediction = fromRing(s.ctlRx, (msg) => dispatchControl(m, side, msg));
  if (prediction.result !== ERR_AGAIN || control) return prediction;
  return fromRing(s.rx, (msg, slot) => dispatch(m, side, msg, slot));
}

function fromRing(
  ring: WireRing,
  dispatch: (msg: Uint8Array, slot: number) => PollPrediction,
): PollPrediction {
  const cursor = ring.front();
  if (cursor === null) return { result: ERR_AGAIN, what: `empty ${ring.name}` };
  const prediction = dispatch(ring.message(cursor), ring.slotAddress(cursor));
  prediction.what = `${ring.name} slot ${cursor}: ${prediction.what}`;
  prediction.ring = ring;
  if (prediction.result >= 0) ring.advance();
  return prediction;
}

function dispatch(m: SessionModel, side: Side, msg: Uint8Array, slot: number): PollPrediction {
  const s = m.sides[side];
  const length = word(msg, 0);
  const type = word(msg, 4);
  if (length > m.geometry.slotBytes - MSG_HEADER_BYTES) return PROTO(`type ${type} of ${length} B`);
  if (type === SES_MSG_NEGOTIATE) return negotiate(m, s, msg, length);
  if (!s.negReceived) return PROTO(`type ${type} before NEGOTIATE`);
  const body = slot + MSG_HEADER_BYTES;
  if (type === SES_MSG_DATA) {
    if (!s.streamOpen || length === 0) {
      return PROTO(`DATA of ${length} B${s.streamOpen ? '' : ', stream closed'}`);
    }
    const payload = msg.subarray(MSG_HEADER_BYTES, MSG_HEADER_BYTES + length);
    const fields = { addr: body, length, key: 0, total: length };
    return { result: SES_EV_DATA, what: `DATA of ${length} B`, fields, payload };
  }
  if (type === SES_MSG_RNDV) return rendezvous(m, side, msg, body, length);
  if (type === SES_MSG_FIN) {
    if (!s.streamOpen || length !== 0) return PROTO(`FIN of ${length} B, stream closed`);
    s.finReceived = true;
    return { result: SES_EV_FIN, what: 'FIN' };
  }
  if (type === SES_MSG_RST) return { result: SES_EV_RST, what: 'RST' };
  return PROTO(`type ${type}`);
}

function negotiate(m: SessionModel, s: SideModel, msg: Uint8Array, length: number): PollPrediction {
  const at = MSG_HEADER_BYTES;
  const flags = word(msg, at + 4);
  const valid =
    !s.negReceived &&
    length === SES_NEGOTIATE_BYTES &&
    word(msg, at) === SES_VERSION &&
    (flags & ~SES_FLAGS_KNOWN) === 0 &&
    word(msg, at + 8) === m.geometry.capacity &&
    word(msg, at + 12) === m.geometry.slotBytes;
  if (!valid) return PROTO(`NEGOTIATE of ${length} B, flags ${flags}`);
  s.peerFlags = flags;
  s.negReceived = true;
  const fields = { addr: 0, length: 0, key: flags, total: 0 };
  return { result: SES_EV_NEGOTIATED, what: 'NEGOTIATE', fields };
}

function rendezvous(
  m: SessionModel,
  side: Side,
  msg: Uint8Array,
  body: number,
  length: number,
): PollPrediction {
  const s = m.sides[side];
  if (!s.streamOpen || length < SES_RNDV_HEADER_BYTES) return PROTO(`RNDV of ${length} B`);
  const total = word(msg, MSG_HEADER_BYTES);
  const key = word(msg, MSG_HEADER_BYTES + 4);
  const first = length - SES_RNDV_HEADER_BYTES;
  const rest = total - first;
  if (total <= first || rest > m.geometry.halfBytes) return PROTO(`RNDV total ${total}`);
  const at = MSG_HEADER_BYTES + SES_RNDV_HEADER_BYTES;
  const payload = msg.subarray(at, at + first);
  const fields: EventFields = { addr: body + SES_RNDV_HEADER_BYTES, length: first, key, total };
  const what = `RNDV of ${total} B, key ${key}`;
  if ((s.localFlags & SES_FLAG_RDMA_READ) === 0) {
    if (key !== 0) return PROTO(what);
    s.rxWaitTarget = rest;
    return { result: SES_EV_RNDV_WRITE, what, fields, payload };
  }
  const source = s.rnic.up ? m.peer(side).rnic.remote(key, 0, rest, MEM_READ) : -1;
  if (source < 0) return PROTO(what);
  fields.source = source;
  const from = source - m.map.halves[0];
  const sourceBytes = m.image.slice(from, from + rest);
  return { result: SES_EV_RNDV_READ, what, fields, payload, sourceBytes };
}

function dispatchControl(m: SessionModel, side: Side, msg: Uint8Array): PollPrediction {
  const length = word(msg, 0);
  const type = word(msg, 4);
  const what = `control type ${type} of ${length} B`;
  if (length > SES_CTL_BYTES || !m.sides[side].negReceived) return PROTO(what);
  if (type === SES_MSG_TARGET) return target(m, side, msg, length);
  if (type === SES_MSG_DONE) return done(m, m.sides[side], msg, length);
  return PROTO(what);
}

/** TARGET: the pending write-based send's rest is RDMA-written into the peer's region. */
function target(m: SessionModel, side: Side, msg: Uint8Array, length: number): PollPrediction {
  const s = m.sides[side];
  const source = s.txWriteKey;
  const key = word(msg, MSG_HEADER_BYTES);
  const bytes = word(msg, MSG_HEADER_BYTES + 4);
  const what = `TARGET key ${key} of ${bytes} B for source ${source}`;
  if (length !== SES_CTL_BYTES || source === 0 || bytes !== s.txWriteLength) return PROTO(what);
  const src = s.rnic.up ? s.rnic.local(source, bytes, MEM_READ) : -1;
  const dst = src < 0 ? -1 : m.peer(side).rnic.remote(key, 0, bytes, MEM_WRITE);
  if (dst < 0) return PROTO(what);
  // memory.copy semantics: the destination receives the source bytes as they were before.
  m.stage(dst, m.memory.slice(src, src + bytes));
  s.rnic.deregister(source);
  s.txWriteKey = 0;
  return { result: SES_EV_TARGET, what, fields: { addr: 0, length: bytes, key, total: source } };
}

/** DONE: this side's target was written, or the peer has read a read-based send of ours. */
function done(m: SessionModel, s: SideModel, msg: Uint8Array, length: number): PollPrediction {
  const key = word(msg, MSG_HEADER_BYTES);
  const bytes = word(msg, MSG_HEADER_BYTES + 4);
  const what = `DONE key ${key} of ${bytes} B`;
  const entry = s.rnic.live(key);
  if (length !== SES_CTL_BYTES || entry === undefined || entry.length !== bytes) {
    return PROTO(what);
  }
  const fields = { addr: entry.address, length: bytes, key, total: 0 };
  if (key === s.rxTargetKey) {
    s.rnic.deregister(key);
    s.rxTargetKey = 0;
    // What the peer's RDMA WRITE put there (the model's image, updated by its TARGET).
    const from = entry.address - m.map.halves[0];
    const payload = m.image.slice(from, from + bytes);
    return { result: SES_EV_WRITE_DONE, what, fields, payload };
  }
  if (!entry.remote || entry.access !== MEM_READ) return PROTO(what);
  s.rnic.deregister(key);
  return { result: SES_EV_SEND_DONE, what, fields };
}
