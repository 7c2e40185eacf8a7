// What the session target checks about each event sesPoll reports: against the model's
// prediction while there is one (fields, payload bytes, the peer's bytes a read-based
// rendezvous points at), and always the safety oracles: an event only ever points the
// caller at the payload of the slot it came in, at the peer's bulk half within the region
// the peer published, or at this side's own half. Also the shared words and bulk bytes the
// model knows, compared after every modelled call.
import {
  MSG_HEADER_BYTES,
  REG_ENTRY_BYTES,
  REG_KEY_INDEX_MASK,
  RING_HEAD_OFFSET,
  RING_HEADER_BYTES,
  RING_PARKED_OFFSET,
  RING_TAIL_OFFSET,
  SEG_FLAG_RESET,
  SEG_FLAG_WAIT_CREDIT,
  SES_EV_DATA,
  SES_EV_RNDV_READ,
  SES_EV_RNDV_WRITE,
  SES_EV_SEND_DONE,
  SES_EV_WRITE_DONE,
  SES_RNDV_HEADER_BYTES,
} from '../../src/wasm/layout.generated.js';
import { expect } from './model.js';
import type { SessionModel, Side } from './session-model.js';
import type { SessionContext } from './session-sends.js';
import type { EventFields, PollPrediction } from './session-receive.js';

const inside = (start: number, bytes: number, from: number, to: number): boolean =>
  bytes >= 0 && start >= from && start + bytes <= to;

/** Reads the event's fields from the core, checks them, and returns them. */
export function checkEvent(
  ctx: SessionContext,
  side: Side,
  event: number,
  want: PollPrediction | undefined,
): EventFields {
  const { core } = ctx;
  const ses = ctx.layout.blocks[side];
  // The getters return u32 values, which reach JavaScript as i32.
  const fields: EventFields = {
    addr: core.sesEvAddr(ses) >>> 0,
    length: core.sesEvLength(ses) >>> 0,
    key: core.sesEvKey(ses) >>> 0,
    total: core.sesEvTotal(ses) >>> 0,
  };
  if (event === SES_EV_RNDV_READ) fields.source = core.sesEvSource(ses) >>> 0;
  checkSafety(ctx, side, event, fields);
  if (want) checkPrediction(ctx, fields, want);
  return fields;
}

function checkPrediction(ctx: SessionContext, fields: EventFields, want: PollPrediction): void {
  for (const [name, value] of Object.entries(want.fields ?? {})) {
    const real = fields[name as keyof EventFields];
    expect(real === value, () => `${want.what}: event ${name} is ${real}, want ${value}`);
  }
  if (want.payload) ctx.expectBytes(fields.addr, want.payload, `${want.what}: payload`);
  if (want.sourceBytes && fields.source !== undefined) {
    ctx.expectBytes(fields.source, want.sourceBytes, `${want.what}: the peer's bytes`);
  }
}

function checkSafety(ctx: SessionContext, side: Side, event: number, fields: EventFields): void {
  const { rings, halves } = ctx.layout;
  const { capacity, slotBytes, halfBytes } = ctx.geometry;
  const { addr, length, total } = fields;
  if (event === SES_EV_DATA || event === SES_EV_RNDV_READ || event === SES_EV_RNDV_WRITE) {
    const slots = rings[side === 0 ? 1 : 0] + RING_HEADER_BYTES;
    const index = Math.floor((addr - slots) / slotBytes);
    const slot = slots + index * slotBytes;
    const header = MSG_HEADER_BYTES + (event === SES_EV_DATA ? 0 : SES_RNDV_HEADER_BYTES);
    expect(
      index >= 0 && index < capacity && inside(addr, length, slot + header, slot + slotBytes),
      () => `event ${event} at ${addr}+${length} is not inside the payload of a received slot`,
    );
  }
  if (event === SES_EV_RNDV_READ || event === SES_EV_RNDV_WRITE) {
    expect(total > length, () => `rendezvous total ${total} not above its first ${length}`);
  }
  if (event === SES_EV_RNDV_READ) checkReadSource(ctx, side, fields);
  if (event === SES_EV_WRITE_DONE || event === SES_EV_SEND_DONE) {
    const own = halves[side];
    expect(
      inside(addr, length, own, own + halfBytes),
      () => `event ${event} region ${addr}+${length} outside the own half`,
    );
  }
}

/**
 * A read-based rendezvous hands out the peer's bytes: they must lie in the peer's half and
 * in the region its table entry for the key describes (as the entry is now: nothing wrote it
 * since the poll read it).
 */
function checkReadSource(ctx: SessionContext, side: Side, fields: EventFields): void {
  const { seg, halves, tables } = ctx.layout;
  const { entries, halfBytes } = ctx.geometry;
  const peer = side === 0 ? 1 : 0;
  const source = fields.source ?? 0;
  const rest = fields.total - fields.length;
  expect(
    inside(source, rest, halves[peer], halves[peer] + halfBytes),
    () => `read source ${source}+${rest} outside the peer half`,
  );
  const index = fields.key & REG_KEY_INDEX_MASK;
  expect(index < entries, () => `read key ${fields.key} names no entry`);
  const entry = tables[peer] + index * REG_ENTRY_BYTES;
  const key = ctx.view.getUint32(entry, true);
  const start = seg + ctx.view.getUint32(entry + 4, true);
  const bytes = ctx.view.getUint32(entry + 8, true);
  expect(
    key === fields.key && inside(source, rest, start, start + bytes),
    () => `read source ${source}+${rest} outside the peer's region ${key}: ${start}+${bytes}`,
  );
}

/**
 * The shared words the model knows (ring cursors and parked words, flags, published table
 * entries) and both bulk halves, against memory: a description of the first difference, or
 * null.
 */
export function sharedDifference(m: SessionModel, view: DataView): string | null {
  for (const ring of m.rings) {
    const want = [ring.released, ring.parked, ring.published];
    const offsets = [RING_HEAD_OFFSET, RING_PARKED_OFFSET, RING_TAIL_OFFSET];
    for (const [i, offset] of offsets.entries()) {
      const real = view.getUint32(ring.base + offset, true);
      if (real !== want[i]) return `${ring.name} word +${offset} is ${real}, want ${want[i]}`;
    }
  }
  for (const side of [0, 1] as const) {
    const s = m.sides[side];
    const flags = (s.waitFlag ? SEG_FLAG_WAIT_CREDIT : 0) | (s.resetFlag ? SEG_FLAG_RESET : 0);
    const real = view.getUint32(m.map.flags[side], true);
    if (real !== flags) return `side ${side} flags ${real}, want ${flags}`;
    const table = tableDifference(m, view, side);
    if (table !== null) return table;
  }
  const base = m.map.halves[0];
  const halves = m.memory.subarray(base, base + m.image.length);
  if (Buffer.compare(halves, m.image) === 0) return null;
  const at = halves.findIndex((byte, i) => byte !== m.image[i]);
  return `bulk byte ${base + at} is ${halves[at]}, want ${m.image[at]}`;
}

function tableDifference(m: SessionModel, view: DataView, side: Side): string | null {
  const { rnic } = m.sides[side];
  for (let index = 0; index < m.geometry.entries; index++) {
    const at = m.map.tables[side] + index * REG_ENTRY_BYTES;
    const entry = rnic.published(index);
    const want = entry ? [entry.key, entry.address - m.map.seg, entry.length, entry.access] : [0];
    for (const [i, word] of want.entries()) {
      const real = view.getUint32(at + 4 * i, true);
      if (real !== word)
        return `side ${side} table entry ${index} word ${i} is ${real}, want ${word}`;
    }
  }
  return null;
}
