// The hostile connector's own moves in the session target: forging a raw message into a
// slot of its data or control ring (bytes the model then knows: no taint), and writing
// anywhere in the shared segment (which ends the model's use for the program). Both draw
// their words from what the program has seen (keys, lengths, offsets) as often as not, so
// that forged messages get past the first checks.
import {
  ERR_AGAIN,
  MSG_HEADER_BYTES,
  REG_ENTRY_BYTES,
  RING_HEADER_BYTES,
  RING_PARKED_OFFSET,
  RING_TAIL_OFFSET,
  SES_CTL_BYTES,
  SES_CTL_RING_CAPACITY,
  SES_CTL_SLOT_BYTES,
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
import type { Reader } from './byte-reader.js';
import { message, words } from './session-wire.js';
import type { SessionContext } from './session-sends.js';

const TYPES = [
  SES_MSG_NEGOTIATE,
  SES_MSG_DATA,
  SES_MSG_RNDV,
  SES_MSG_FIN,
  SES_MSG_RST,
  SES_MSG_TARGET,
  SES_MSG_DONE,
  0,
];

/** The live keys of both sides' table entries, as the segment holds them. */
function tableKeys(ctx: SessionContext): number[] {
  const keys: number[] = [];
  const { tables } = ctx.layout;
  for (let i = 0; i < 2 * ctx.geometry.entries; i++) {
    const key = ctx.view.getUint32(tables[0] + i * REG_ENTRY_BYTES, true);
    if (key !== 0) keys.push(key);
  }
  return keys;
}

/** A word for a forged message or a hostile write: often one the program has seen. */
export function value(ctx: SessionContext, read: Reader): number {
  const select = read.u8();
  const pick = (list: number[]): number => list[read.u8() % list.length] ?? read.u32();
  const { seg, tables, halves, rings } = ctx.layout;
  const { halfBytes } = ctx.geometry;
  switch (select % 8) {
    case 0:
      return pick(tableKeys(ctx));
    case 1:
      return pick(ctx.seen.values);
    case 2:
      return pick([0, 1, 8, 20, 240, 241, 248, 256]);
    case 3:
      return (
        pick([...rings, tables[0], ...halves, halves[1] + halfBytes]) -
        seg +
        ((read.u8() % 5) - 2) * 64
      );
    case 4:
      return (pick(ctx.seen.values) + (read.u8() % 5) - 2) >>> 0;
    case 5:
      // Lengths that equal a status as i32 (ERR_INVAL, ERR_PROTO, ERR_AGAIN): a check that
      // compares a status with a peer's word must not let them through.
      return pick([
        halfBytes,
        halfBytes + 1,
        2 * halfBytes,
        0xffffffff,
        0x80000000,
        0xffffffea,
        0xffffffb9,
        0xfffffff5,
      ]);
    case 6:
      return read.u16();
    default:
      return read.u32();
  }
}

/** A (key, length) pair for DONE or TARGET: mostly the latest seen together, else words. */
export function pair(ctx: SessionContext, read: Reader): [number, number] {
  const { pairs } = ctx.seen;
  const select = read.u8();
  const seen = select < 128 ? pairs[pairs.length - 1] : pairs[select % Math.max(1, pairs.length)];
  if (seen === undefined || select >= 208) return [value(ctx, read), value(ctx, read)];
  return select < 176 ? seen : [seen[0], value(ctx, read)];
}

/** The body of a forged message of `type`: valid-looking words, then pattern bytes. */
function body(ctx: SessionContext, read: Reader, type: number, first: number): Uint8Array {
  const { capacity, slotBytes, halfBytes } = ctx.geometry;
  let head: Uint8Array;
  if (type === SES_MSG_NEGOTIATE) {
    const flags = read.u8();
    head = words(SES_VERSION, flags < 224 ? flags & 1 : flags, capacity, slotBytes, read.u8());
    const mutate = read.u8();
    if (mutate < 40) head.set(words(value(ctx, read)), (mutate % 5) * 4);
  } else if (type === SES_MSG_RNDV) {
    const rest = read.u8() < 192 ? 1 + (read.u16() % (halfBytes + 8)) : value(ctx, read);
    head = words(first + rest, value(ctx, read));
  } else if (type === SES_MSG_TARGET || type === SES_MSG_DONE) {
    head = words(...pair(ctx, read));
  } else {
    head = new Uint8Array(0);
  }
  const bytes = ctx.pattern(slotBytes - MSG_HEADER_BYTES);
  bytes.set(head);
  return bytes;
}

/** A raw message in the connector's data or control ring, published at once. */
export function forge(ctx: SessionContext, read: Reader): void {
  const { core, model } = ctx;
  const kind = read.u8();
  const control = (kind & 0x80) !== 0;
  const type = TYPES[kind & 7] ?? 0;
  const lengthMode = (kind >> 3) & 0xf;
  const wire = model?.rings[control ? 2 : 0];
  // A credit sesWaitCredit holds would be published unfilled: the model would not know it.
  if (!control && model && model.sides[0].reservedAhead !== null) return;
  const canonical: Record<number, number> = {
    [SES_MSG_NEGOTIATE]: SES_NEGOTIATE_BYTES,
    [SES_MSG_DATA]: 1 + (read.u8() % 248),
    [SES_MSG_RNDV]: SES_RNDV_HEADER_BYTES + (read.u8() % 241),
    [SES_MSG_TARGET]: SES_CTL_BYTES,
    [SES_MSG_DONE]: SES_CTL_BYTES,
  };
  let length = canonical[type] ?? 0;
  if (lengthMode >= 12)
    length = [length + 1, length - 1, read.u8(), read.u16()][lengthMode - 12] ?? 0;
  length >>>= 0;
  const first = Math.max(0, length - SES_RNDV_HEADER_BYTES);
  const payload = body(ctx, read, type, first);
  const room = (control ? SES_CTL_SLOT_BYTES : ctx.geometry.slotBytes) - MSG_HEADER_BYTES;
  const bytes = message(type, length, payload.subarray(0, Math.min(length, room)));
  const a = ctx.layout.blocks[0];
  const ring = control ? core.sesCtlTxRing(a) : core.sesTxRing(a);
  const cursor = wire?.reserve();
  const want =
    cursor === undefined ? undefined : cursor === null ? ERR_AGAIN : wire?.slotAddress(cursor);
  const slot = ctx.step('ringReserve', 0, [], () => core.ringReserve(ring), want);
  if (slot < 0) return;
  ctx.write(slot, bytes, false);
  if (cursor !== undefined && cursor !== null) wire?.fill(cursor, bytes);
  const commit = wire?.commit();
  ctx.step('ringCommit', 0, ['txTail'], () => core.ringCommit(ring), commit?.result);
}

/**
 * A word of a table entry and a value for it: mostly the offset or length of a live entry
 * (what the RNIC bounds-checks), moved outside the owner's half or grown past it.
 */
function entryWord(ctx: SessionContext, read: Reader): [number, number] {
  const { tables, seg, rings, halves } = ctx.layout;
  const all = Array.from({ length: 2 * ctx.geometry.entries }, (_, i) => i);
  const live = all.filter((i) => ctx.view.getUint32(tables[0] + i * REG_ENTRY_BYTES, true) !== 0);
  const select = read.u8();
  const pool = live.length > 0 && select < 192 ? live : all;
  const entry = pool[select % pool.length] ?? 0;
  const field = read.u8() % 6;
  const at = tables[0] + entry * REG_ENTRY_BYTES + ([4, 8, 4, 8, 0, 12][field] ?? 0);
  const bad = read.u8();
  if (bad >= 128 || field >= 4) return [at, value(ctx, read)];
  const offsets = [rings[0], tables[0], halves[0], halves[1], seg + ctx.layout.segBytes - 64];
  const lengths = [2 * ctx.geometry.halfBytes, ctx.geometry.halfBytes + 64, 0x10000, 0xffffffff];
  const pick = (list: number[]): number => list[bad % list.length] ?? 0;
  return [at, field % 2 === 0 ? pick(offsets) - seg + (bad % 3) * 64 : pick(lengths)];
}

/** The hostile peer writes a word or a few bytes anywhere in the segment. */
export function scribble(ctx: SessionContext, read: Reader): void {
  if (!ctx.hostile) return forge(ctx, read);
  const { seg, segBytes, rings, flags } = ctx.layout;
  const mode = read.u8() % 6;
  let at: number;
  let bytes: Uint8Array;
  if (mode === 0) {
    at = seg + (read.u16() % segBytes);
    const length = Math.min(read.u8() % 16, seg + segBytes - at);
    bytes = Uint8Array.from({ length }, () => read.u8());
  } else if (mode <= 2) {
    const [entry, word] = entryWord(ctx, read);
    at = entry;
    bytes = words(word);
  } else if (mode === 3) {
    at =
      (rings[read.u8() % 4] ?? seg) +
      ([0, RING_PARKED_OFFSET, RING_TAIL_OFFSET][read.u8() % 3] ?? 0);
    bytes = words(ctx.view.getUint32(at, true) + (read.u8() % 9) - 4);
  } else if (mode === 4) {
    const ring = read.u8() % 4;
    const slotBytes = ring < 2 ? ctx.geometry.slotBytes : SES_CTL_SLOT_BYTES;
    const slots = ring < 2 ? ctx.geometry.capacity : SES_CTL_RING_CAPACITY;
    const slot = (read.u8() % slots) * slotBytes + (read.u8() % 4) * 4;
    at = (rings[ring] ?? seg) + RING_HEADER_BYTES + slot;
    bytes = words(value(ctx, read));
  } else {
    at = flags[(read.u8() & 1) as 0 | 1];
    bytes = words(read.u8() & 3);
  }
  ctx.write(at, bytes, true);
}
