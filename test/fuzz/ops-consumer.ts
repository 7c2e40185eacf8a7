// Fuzz operations of the consumer endpoint: front/advance/peek/release/park/unpark, msgRead
// and the message peeks, and the fronts of the two fixed-entry queues. Results that come
// from a slot are predicted from the model's image of that slot, hostile bytes included.
import {
  CQE_BYTES,
  CQE_FLAGS_OFFSET,
  CQE_RESULT_OFFSET,
  CQE_USER_DATA_OFFSET,
  ERR_AGAIN,
  ERR_INVAL,
  ERR_MSGSIZE,
  ERR_PROTO,
  MSG_HEADER_BYTES,
  MSG_LENGTH_OFFSET,
  MSG_TYPE_OFFSET,
  OP_MAX,
  RING_HEAD_OFFSET,
  RING_PARKED_OFFSET,
  SQE_BYTES,
  SQE_OPCODE_OFFSET,
  SQE_USER_DATA_OFFSET,
} from '../../src/wasm/layout.generated.js';
import {
  call,
  consumerBlock,
  headerWord,
  inMemory,
  readBytes,
  sameBytes,
  type FuzzContext,
} from './context.js';
import { expect } from './model.js';
import type { Op } from './program.js';

/** The model's image of the slot the consumer reads next, as little-endian words. */
function front(ctx: FuzzContext): DataView {
  const slot = ctx.model.slot(ctx.model.cCursor);
  return new DataView(slot.buffer, slot.byteOffset, slot.byteLength);
}

function frontAddress(ctx: FuzzContext): number {
  return ctx.model.slotAddress(ctx.model.cCursor);
}

/** Runs a consumer call that only fronts a slot, checking it against `success`. */
function fronting(
  ctx: FuzzContext,
  what: string,
  fn: () => number,
  pre: number[],
  success: number,
) {
  const real = call(ctx, what, fn, () => consumerBlock(ctx));
  return { real, fronted: ctx.model.consume(real, pre, success) };
}

function ringFront(ctx: FuzzContext): void {
  const local = ctx.layout.consumer;
  fronting(ctx, 'ringFront', () => ctx.core.ringFront(local), [], frontAddress(ctx));
}

function advance(ctx: FuzzContext): void {
  const { model } = ctx;
  const real = call(
    ctx,
    'ringAdvance',
    () => ctx.core.ringAdvance(ctx.layout.consumer),
    () => consumerBlock(ctx),
  );
  if (real === 0) {
    expect(model.tainted || !model.empty, () => `ringAdvance consumed an unpublished slot`);
    model.consumed();
    return;
  }
  expect(real === ERR_AGAIN, () => `ringAdvance returned ${real}`);
  expect(!model.fronted, () => `ringAdvance refused the slot ringFront had just returned`);
}

function peek(ctx: FuzzContext): void {
  const local = ctx.layout.consumer;
  const run = (): number => ctx.core.ringPeek(local);
  if (fronting(ctx, 'ringPeek', run, [], frontAddress(ctx)).fronted) ctx.model.consumed();
}

function release(ctx: FuzzContext): void {
  const { model, layout } = ctx;
  const moved = model.cCursor !== model.cReleased;
  call(
    ctx,
    'ringRelease',
    () => ctx.core.ringRelease(layout.consumer),
    () => [...consumerBlock(ctx), headerWord(ctx, RING_HEAD_OFFSET)],
  );
  model.release();
  const head = ctx.view.getUint32(layout.ring + RING_HEAD_OFFSET, true);
  expect(!moved || head === model.cCursor, () => `ringRelease left head ${head}`);
}

function park(ctx: FuzzContext): void {
  const { model, layout } = ctx;
  const real = call(
    ctx,
    'ringPark',
    () => ctx.core.ringPark(layout.consumer),
    () => [...consumerBlock(ctx), headerWord(ctx, RING_PARKED_OFFSET)],
  );
  model.parked = ctx.view.getUint32(layout.ring + RING_PARKED_OFFSET, true);
  expect(model.parked === 1, () => `ringPark left parked ${model.parked}`);
  const allowed = model.tainted ? [0, 1, ERR_PROTO] : [model.empty ? 0 : 1];
  expect(allowed.includes(real), () => `ringPark returned ${real}, want one of ${allowed}`);
}

function unpark(ctx: FuzzContext): void {
  const local = ctx.layout.consumer;
  call(
    ctx,
    'ringUnpark',
    () => ctx.core.ringUnpark(local),
    () => [headerWord(ctx, RING_PARKED_OFFSET)],
  );
  ctx.model.parked = ctx.view.getUint32(ctx.layout.ring + RING_PARKED_OFFSET, true);
  expect(ctx.model.parked === 0, () => `ringUnpark left parked ${ctx.model.parked}`);
}

/** Validated length of the next message as the model sees it, or ERR_PROTO. */
function messageLength(ctx: FuzzContext): number {
  const length = front(ctx).getUint32(MSG_LENGTH_OFFSET, true);
  return length > ctx.geometry.slotBytes - MSG_HEADER_BYTES ? ERR_PROTO : length;
}

/** The capacity a msgRead offers: every boundary around the slot and the message. */
function readCapacity(ctx: FuzzContext, mode: number, raw: number): number {
  const max = ctx.geometry.slotBytes - MSG_HEADER_BYTES;
  const length = front(ctx).getUint32(MSG_LENGTH_OFFSET, true);
  const choices = [
    raw % (max + 1),
    raw % (max + 1),
    max,
    length,
    length - 1,
    0,
    max + (raw % 64),
    raw,
  ];
  return Math.max(0, choices[mode % 8] as number) >>> 0;
}

function msgRead(ctx: FuzzContext, args: Op['args']): void {
  const { layout, model } = ctx;
  const capacity = readCapacity(ctx, args.capacityMode ?? 0, args.capacityRaw ?? 0);
  const edge = capacity <= layout.bufferBytes;
  let dst = layout.dst;
  if ((args.dst ?? 0) % 8 === 6 && edge) dst = layout.memoryBytes - capacity;
  if ((args.dst ?? 0) % 8 === 7) dst = (layout.memoryBytes - capacity + 1) >>> 0;
  const length = messageLength(ctx);
  const success = length >= 0 && length > capacity ? ERR_MSGSIZE : length;
  const pre = inMemory(ctx, dst, capacity) ? [] : [ERR_INVAL];
  const payload = model
    .slot(model.cCursor)
    .slice(MSG_HEADER_BYTES, MSG_HEADER_BYTES + Math.max(0, success));
  const real = call(
    ctx,
    'msgRead',
    () => ctx.core.msgRead(layout.consumer, dst, capacity),
    (n) => [
      ...consumerBlock(ctx),
      { start: dst, end: dst + Math.max(0, Math.min(n, capacity)), name: 'destination' },
    ],
  );
  expect(real <= capacity, () => `msgRead returned ${real} for a capacity of ${capacity}`);
  const fronted = model.consume(real, pre, success);
  if (!fronted || success < 0) return;
  expect(sameBytes(readBytes(ctx, dst, real), payload), () => `msgRead copied other bytes`);
  model.consumed();
}

function msgPeekLength(ctx: FuzzContext): void {
  const local = ctx.layout.consumer;
  fronting(ctx, 'msgPeekLength', () => ctx.core.msgPeekLength(local), [], messageLength(ctx));
}

function msgPeekType(ctx: FuzzContext): void {
  const { model } = ctx;
  const type = front(ctx).getUint32(MSG_TYPE_OFFSET, true);
  const run = (): number => ctx.core.msgPeekType(ctx.layout.consumer);
  const real = call(ctx, 'msgPeekType', run, () => consumerBlock(ctx)) >>> 0;
  const allowed = model.tainted ? [0, type] : [model.empty ? 0 : type];
  expect(allowed.includes(real), () => `msgPeekType returned ${real}, want one of ${allowed}`);
  if (!model.tainted && !model.empty) model.fronted = true;
}

/** A queue front on a ring whose slots are not that queue's entries: ERR_INVAL. */
function wrongSize(ctx: FuzzContext, what: string, fn: (local: number) => number): void {
  fronting(ctx, what, () => fn(ctx.layout.consumer), [ERR_INVAL], ERR_INVAL);
}

function sqFront(ctx: FuzzContext): void {
  if (ctx.geometry.slotBytes !== SQE_BYTES) return wrongSize(ctx, 'sqFront', ctx.core.sqFront);
  const entry = front(ctx);
  const opcode = entry.getUint16(SQE_OPCODE_OFFSET, true);
  const wide = entry.getBigUint64(SQE_USER_DATA_OFFSET, true) > 0xffffffffn;
  const success = opcode === 0 || opcode > OP_MAX || wide ? ERR_PROTO : frontAddress(ctx);
  fronting(ctx, 'sqFront', () => ctx.core.sqFront(ctx.layout.consumer), [], success);
}

function cqFront(ctx: FuzzContext): void {
  const { core } = ctx;
  if (ctx.geometry.slotBytes !== CQE_BYTES) return wrongSize(ctx, 'cqFront', core.cqFront);
  const entry = front(ctx);
  const wide = entry.getBigUint64(CQE_USER_DATA_OFFSET, true) > 0xffffffffn;
  const success = wide ? ERR_PROTO : frontAddress(ctx);
  const run = (): number => core.cqFront(ctx.layout.consumer);
  const { real, fronted } = fronting(ctx, 'cqFront', run, [], success);
  if (!fronted || real < 0) return;
  const fields = [
    [
      call(
        ctx,
        'cqeUserData',
        () => core.cqeUserData(real),
        () => [],
      ),
      CQE_USER_DATA_OFFSET,
    ],
    [
      call(
        ctx,
        'cqeResult',
        () => core.cqeResult(real),
        () => [],
      ),
      CQE_RESULT_OFFSET,
    ],
    [
      call(
        ctx,
        'cqeFlags',
        () => core.cqeFlags(real),
        () => [],
      ),
      CQE_FLAGS_OFFSET,
    ],
  ] as const;
  for (const [value, offset] of fields) {
    const want = entry.getUint32(offset, true);
    expect(value >>> 0 === want, () => `completion field +${offset} read ${value}, want ${want}`);
  }
}

/** Consumer operations by program kind. */
export const CONSUMER_OPS = {
  front: ringFront,
  advance,
  peek,
  release,
  park,
  unpark,
  msgRead,
  msgPeekLength,
  msgPeekType,
  sqFront,
  cqFront,
} as const;
