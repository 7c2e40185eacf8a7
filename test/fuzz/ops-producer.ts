// Fuzz operations of the producer endpoint: raw reserve and commit, the room and pending
// queries, msgWrite, and the pushes of the two fixed-entry queues. Each one predicts the slot's bytes in the model's image,
// then checks that the core wrote exactly those bytes and nothing outside the slot.
import {
  CQE_BYTES,
  CQE_FLAGS_OFFSET,
  CQE_RESULT_OFFSET,
  CQE_USER_DATA_OFFSET,
  ERR_INVAL,
  ERR_MSGSIZE,
  MSG_HEADER_BYTES,
  MSG_LENGTH_OFFSET,
  MSG_TYPE_OFFSET,
  OP_MAX,
  RING_TAIL_OFFSET,
  SQE_BYTES,
  SQE_FLAGS_OFFSET,
  SQE_LENGTH_OFFSET,
  SQE_LOCAL_KEY_OFFSET,
  SQE_LOCAL_OFFSET_OFFSET,
  SQE_OPCODE_OFFSET,
  SQE_REMOTE_KEY_OFFSET,
  SQE_REMOTE_OFFSET_OFFSET,
  SQE_USER_DATA_OFFSET,
} from '../../src/wasm/layout.generated.js';
import {
  call,
  headerWord,
  inMemory,
  localRange,
  producerWrites,
  readBytes,
  sameBytes,
  type FuzzContext,
} from './context.js';
import { expect } from './model.js';
import { ERR_PROTO } from '../../src/wasm/layout.generated.js';
import type { Op } from './program.js';

const viewOf = (slot: Uint8Array): DataView =>
  new DataView(slot.buffer, slot.byteOffset, slot.byteLength);

/** The slot the producer just filled must hold exactly the model's image. */
function checkSlot(ctx: FuzzContext, cursor: number, what: string): void {
  const address = ctx.model.slotAddress(cursor);
  const real = readBytes(ctx, address, ctx.geometry.slotBytes);
  expect(sameBytes(real, ctx.model.slot(cursor)), () => `${what} wrote the wrong slot bytes`);
}

/** Runs one reserving call, checks it against the model, and checks the slot it filled. */
function push(
  ctx: FuzzContext,
  what: string,
  fn: () => number,
  preErrors: number[],
  success: number,
  fill: (slot: DataView, bytes: Uint8Array) => void,
): void {
  const cursor = ctx.model.pCursor;
  const real = call(ctx, what, fn, () => producerWrites(ctx));
  const filled = ctx.model.produce(real, preErrors, success, (slot) => fill(viewOf(slot), slot));
  if (filled) checkSlot(ctx, cursor, what);
}

function reserve(ctx: FuzzContext, { fill }: Op['args']): void {
  const { model, core, layout } = ctx;
  const address = model.slotAddress(model.pCursor);
  const real = call(
    ctx,
    'ringReserve',
    () => core.ringReserve(layout.producer),
    () => [localRange(layout.producer, 'producer block')],
  );
  // What a caller puts in a reserved slot is up to it: arbitrary bytes, sometimes led by a
  // small length so that msgRead on it can succeed.
  model.produce(real, [], address, (slot) => {
    for (let i = 0; i < slot.length; i++) slot[i] = ((fill ?? 0) + i * 29) & 0xff;
    if (((fill ?? 0) & 1) === 1) viewOf(slot).setUint32(0, (fill ?? 0) >>> 3, true);
    ctx.guard.write(address, slot);
  });
}

function commit(ctx: FuzzContext): void {
  const { core, layout } = ctx;
  const real = call(
    ctx,
    'ringCommit',
    () => core.ringCommit(layout.producer),
    () => [localRange(layout.producer, 'producer block'), headerWord(ctx, RING_TAIL_OFFSET)],
  );
  ctx.model.commit(real);
}

/** ringHasRoom: 1 unless the ring is full, and it reserves nothing (only its block moves). */
function hasRoom(ctx: FuzzContext): void {
  const { core, layout, model } = ctx;
  const real = call(
    ctx,
    'ringHasRoom',
    () => core.ringHasRoom(layout.producer),
    () => [localRange(layout.producer, 'producer block')],
  );
  const allowed = model.tainted ? [0, 1, ERR_PROTO] : [model.full ? 0 : 1];
  expect(allowed.includes(real), () => `ringHasRoom: got ${real}, want one of ${allowed}`);
}

/** ringPending: the published slots the consumer has not released. */
function pending(ctx: FuzzContext): void {
  const { core, layout, model } = ctx;
  const real = call(
    ctx,
    'ringPending',
    () => core.ringPending(layout.producer),
    () => [localRange(layout.producer, 'producer block')],
  );
  const want = (model.pPublished - model.cReleased) >>> 0;
  const ok = model.tainted
    ? real === ERR_PROTO || (real >= 0 && real <= model.capacity)
    : real === want;
  expect(ok, () => `ringPending: got ${real}, want ${want}`);
}

/** The length a msgWrite asks for: mostly fitting, and every boundary around the slot. */
function writeLength(mode: number, raw: number, max: number): number {
  const lengths = [raw % (max + 1), raw % (max + 1), raw % 17, max, max + 1, 0, max - 1, raw];
  return Math.max(0, lengths[mode % 8] as number) >>> 0;
}

/** Where a msgWrite's source lies: the caller's buffer, the memory's end, or past it. */
function writeSource(ctx: FuzzContext, choice: number, length: number): number {
  const end = ctx.layout.memoryBytes;
  if (choice % 8 === 6) return Math.max(0, end - length);
  if (choice % 8 === 7) return (end - length + 1) >>> 0;
  return ctx.layout.src;
}

function msgWrite(ctx: FuzzContext, args: Op['args']): void {
  const { core, layout, geometry } = ctx;
  const max = geometry.slotBytes - MSG_HEADER_BYTES;
  const length = writeLength(args.lengthMode ?? 0, args.lengthRaw ?? 0, max);
  const src = writeSource(ctx, args.src ?? 0, length);
  const type = args.type ?? 0;
  if (src === layout.src) {
    const payload = new Uint8Array(Math.min(length, layout.bufferBytes));
    for (let i = 0; i < payload.length; i++) payload[i] = ((args.fill ?? 0) * 7 + i) & 0xff;
    ctx.guard.write(src, payload);
  }
  const preErrors = [];
  if (length > max) preErrors.push(ERR_MSGSIZE);
  if (!inMemory(ctx, src, length)) preErrors.push(ERR_INVAL);
  const run = (): number => core.msgWrite(layout.producer, src, length, type);
  push(ctx, 'msgWrite', run, preErrors, length, (slot, bytes) => {
    slot.setUint32(MSG_LENGTH_OFFSET, length, true);
    slot.setUint32(MSG_TYPE_OFFSET, type, true);
    bytes.set(readBytes(ctx, src, length), MSG_HEADER_BYTES);
  });
}

function sqPush(ctx: FuzzContext, args: Op['args']): void {
  const { core, layout, geometry } = ctx;
  const opcode = (args.opcode ?? 0) % 8;
  const flags =
    (args.flagsMode ?? 0) % 4 === 3 ? (args.flagsRaw ?? 0) : (args.flagsRaw ?? 0) & 0xffff;
  const [length, userData, localOffset, localKey, remoteOffset, remoteKey] = [
    args.length,
    args.userData,
    args.localOffset,
    args.localKey,
    args.remoteOffset,
    args.remoteKey,
  ].map((value) => value ?? 0) as [number, number, number, number, number, number];
  const invalid = opcode === 0 || opcode > OP_MAX || flags > 0xffff;
  const preErrors = invalid || geometry.slotBytes !== SQE_BYTES ? [ERR_INVAL] : [];
  const run = (): number =>
    core.sqPush(
      layout.producer,
      opcode,
      flags,
      length,
      userData,
      localOffset,
      localKey,
      remoteOffset,
      remoteKey,
    );
  push(ctx, 'sqPush', run, preErrors, 0, (slot) => {
    slot.setUint16(SQE_OPCODE_OFFSET, opcode, true);
    slot.setUint16(SQE_FLAGS_OFFSET, flags, true);
    slot.setUint32(SQE_LENGTH_OFFSET, length, true);
    slot.setBigUint64(SQE_USER_DATA_OFFSET, BigInt(userData), true);
    slot.setUint32(SQE_LOCAL_OFFSET_OFFSET, localOffset, true);
    slot.setUint32(SQE_LOCAL_KEY_OFFSET, localKey, true);
    slot.setUint32(SQE_REMOTE_OFFSET_OFFSET, remoteOffset, true);
    slot.setUint32(SQE_REMOTE_KEY_OFFSET, remoteKey, true);
  });
}

function cqPush(ctx: FuzzContext, args: Op['args']): void {
  const { core, layout, geometry } = ctx;
  const userData = args.userData ?? 0;
  const result = (args.result ?? 0) | 0;
  const flags = args.flags ?? 0;
  const preErrors = geometry.slotBytes !== CQE_BYTES ? [ERR_INVAL] : [];
  const run = (): number => core.cqPush(layout.producer, userData, result, flags);
  push(ctx, 'cqPush', run, preErrors, 0, (slot) => {
    slot.setBigUint64(CQE_USER_DATA_OFFSET, BigInt(userData), true);
    slot.setInt32(CQE_RESULT_OFFSET, result, true);
    slot.setUint32(CQE_FLAGS_OFFSET, flags, true);
  });
}

/** Producer operations by program kind. */
export const PRODUCER_OPS = {
  reserve,
  commit,
  hasRoom,
  pending,
  msgWrite,
  sqPush,
  cqPush,
} as const;
