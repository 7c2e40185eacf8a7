// What the session operations work with (SessionContext, implemented by SessionFuzzTarget),
// and the honest sends of either side: every call of assembly/session/send.ts, with the
// application's bytes written where it writes them (a DATA payload in its slot, a large
// send staged in its own bulk half). Each core call goes through SessionContext.step with
// the model's prediction, which is made first.
import type { CoreExports } from '../../src/wasm/core.js';
import { MSG_HEADER_BYTES, RING_HEADER_BYTES } from '../../src/wasm/layout.generated.js';
import type { Reader } from './byte-reader.js';
import { expect } from './model.js';
import { pair, value } from './session-forge.js';
import type { SessionGeometry, SessionModel, Side } from './session-model.js';
import type { SessionLayout } from './session-target.js';

/** Kinds of shared bytes a call of one side may write (SessionFuzzTarget maps them). */
export type Area =
  'flags' | 'txSlots' | 'ctlSlots' | 'txTail' | 'rxHeads' | 'rxParked' | 'table' | 'peerHalf';

/** Keys, lengths and (key, length) pairs a program has seen, for forged words to reuse. */
export interface Seen {
  values: number[];
  pairs: [number, number][];
}

/** What the operations work with. */
export interface SessionContext {
  readonly core: CoreExports;
  readonly layout: SessionLayout;
  readonly geometry: SessionGeometry;
  readonly view: DataView;
  /** The reference model, null after a hostile write. */
  readonly model: SessionModel | null;
  /** Whether the program may write anywhere in the segment (setup bit 2). */
  readonly hostile: boolean;
  readonly seen: Seen;
  /** One core call of `side` under the oracles; with the model, it must return `want`. */
  step(name: string, side: Side, areas: Area[], fn: () => number, want?: number): number;
  flush(side: Side): void;
  /** The harness's own write: the application's bytes, or with `hostile` the peer's. */
  write(address: number, bytes: Uint8Array, hostile: boolean): void;
  pattern(length: number): Uint8Array;
  expectBytes(address: number, bytes: Uint8Array, what: string): void;
}

const SLOT: Area[] = ['flags', 'txSlots'];
const CONTROL: Area[] = ['flags', 'ctlSlots'];
const MAX_SEEN = 12;

/** Records a key and the length that goes with it. */
export function remember(ctx: SessionContext, key: number, length: number): void {
  const { values, pairs } = ctx.seen;
  values.push(key >>> 0, length >>> 0);
  pairs.push([key >>> 0, length >>> 0]);
  if (values.length > MAX_SEEN) values.splice(0, values.length - MAX_SEEN);
  if (pairs.length > MAX_SEEN) pairs.splice(0, pairs.length - MAX_SEEN);
}

/** DATA through sesDataSlot, the payload written in place, and sesDataCommit. */
function sendData(ctx: SessionContext, side: Side, read: Reader): void {
  const { core, model, layout } = ctx;
  const ses = layout.blocks[side];
  const { capacity, slotBytes } = ctx.geometry;
  const n = read.u8();
  const want = model?.dataSlot(side);
  const slot = ctx.step('sesDataSlot', side, SLOT, () => core.sesDataSlot(ses), want);
  const payload = ctx.pattern(slotBytes - MSG_HEADER_BYTES);
  if (slot >= 0) {
    const slots = layout.rings[side] + RING_HEADER_BYTES;
    expect(slot >= slots && slot < slots + capacity * slotBytes, () => `DATA slot at ${slot}`);
    ctx.write(slot, payload, false);
  }
  const commit = (length: number): number => {
    const want = model?.dataCommit(side, length, payload);
    return ctx.step(
      'sesDataCommit',
      side,
      ['txSlots'],
      () => core.sesDataCommit(ses, length),
      want,
    );
  };
  if (commit(n) < 0 && slot >= 0) commit((n % (slotBytes - MSG_HEADER_BYTES)) + 1);
}

/**
 * A large send: the application's bytes staged in the own half, then sesSendRndv; now and
 * then from the end of memory instead, which only a write-based send may name.
 */
function sendRndv(ctx: SessionContext, side: Side, read: Reader): void {
  const { core, model, layout } = ctx;
  const { halfBytes } = ctx.geometry;
  const offset = read.u16() % halfBytes;
  const room = halfBytes - offset;
  const mode = read.u8();
  const total = (mode & 3) !== 0 && room > 241 ? 241 + (read.u16() % (room - 240)) : read.u16();
  let address = layout.halves[side] + offset;
  if (mode === 0xff) address = layout.memoryBytes - 256 - (read.u16() % 1024);
  else ctx.write(address, ctx.pattern(Math.min(total, room)), false);
  const ses = layout.blocks[side];
  const want = model?.sendRndv(side, address, total);
  const send = (): number => core.sesSendRndv(ses, address, total);
  const key = ctx.step('sesSendRndv', side, [...SLOT, 'table'], send, want);
  if (key >= 0) remember(ctx, key, total - 240);
}

export function sendTarget(ctx: SessionContext, side: Side, address: number, length: number): void {
  const ses = ctx.layout.blocks[side];
  const send = (): number => ctx.core.sesSendTarget(ses, address, length);
  const want = ctx.model?.sendTarget(side, address, length);
  const key = ctx.step('sesSendTarget', side, [...CONTROL, 'table'], send, want);
  if (key >= 0) remember(ctx, key, length);
}

export function sendDone(ctx: SessionContext, side: Side, key: number, length: number): number {
  const ses = ctx.layout.blocks[side];
  const want = ctx.model?.sendDone(side, key, length);
  return ctx.step('sesSendDone', side, CONTROL, () => ctx.core.sesSendDone(ses, key, length), want);
}

const SEND_KINDS = [
  ...Array<string>(6).fill('data'),
  ...Array<string>(4).fill('rndv'),
  'done',
  'target',
  'fin',
  'deregister',
  'negotiate',
];

/** One honest send of `side` (any call of send.ts; a burst fills the control ring), flushed. */
export function send(ctx: SessionContext, side: Side, read: Reader): void {
  const { core, model } = ctx;
  const ses = ctx.layout.blocks[side];
  const byte = read.u8();
  const kind = byte === 0xff ? 'burst' : SEND_KINDS[byte % SEND_KINDS.length];
  if (kind === 'data') sendData(ctx, side, read);
  else if (kind === 'rndv') sendRndv(ctx, side, read);
  else if (kind === 'done') sendDone(ctx, side, ...pair(ctx, read));
  else if (kind === 'burst') {
    const [key, length] = pair(ctx, read);
    for (let i = 0; i < 40 && sendDone(ctx, side, key, length) === 0; i++);
  } else if (kind === 'target') {
    const address = ctx.layout.halves[side] + (read.u16() % ctx.geometry.halfBytes);
    sendTarget(ctx, side, address, value(ctx, read));
  } else if (kind === 'fin') {
    const want = model?.sendFin(side);
    ctx.step('sesSendFin', side, SLOT, () => core.sesSendFin(ses), want);
  } else if (kind === 'deregister') {
    const key = value(ctx, read);
    const want = model?.deregister(side, key);
    ctx.step('sesDeregister', side, ['table'], () => core.sesDeregister(ses, key), want);
  } else {
    const threshold = read.u8() * 4;
    const want = model?.negotiate(side, threshold);
    ctx.step('sesNegotiate', side, SLOT, () => core.sesNegotiate(ses, threshold), want);
  }
  ctx.flush(side);
}
