// Fuzz operations outside the two endpoints: the hostile peer that rewrites bytes of the
// shared ring (cursors, parked flag, slot headers, entry fields), attach probes with
// arbitrary geometry and addresses (most invalid), and the geometry getters.
import {
  CACHE_LINE_BYTES,
  ERR_INVAL,
  MSG_HEADER_BYTES,
  RING_HEAD_OFFSET,
  RING_HEADER_BYTES,
  RING_LOCAL_BYTES,
  RING_MAX_CAPACITY,
  RING_MAX_SLOT_BYTES,
  RING_PARKED_OFFSET,
  RING_SLOT_ALIGN_BYTES,
  RING_TAIL_OFFSET,
} from '../../src/wasm/layout.generated.js';
import { call, localRange, type FuzzContext } from './context.js';
import { expect } from './model.js';
import type { Op } from './program.js';

const WIDTHS = [4, 4, 2, 1] as const;

/** Ring offset the hostile peer writes: cursors, parked, slot headers, any byte. */
function hostileOffset(ctx: FuzzContext, target: number, raw: number): number {
  const { capacity, slotBytes } = ctx.geometry;
  const slot = (index: number): number => RING_HEADER_BYTES + (index & (capacity - 1)) * slotBytes;
  const inner = ((raw >>> 8) * 4) % slotBytes;
  switch (target % 8) {
    case 0:
      return RING_HEAD_OFFSET;
    case 1:
      return RING_PARKED_OFFSET;
    case 2:
      return RING_TAIL_OFFSET;
    case 3:
      return slot(raw);
    case 4:
      return slot(raw) + inner;
    case 5:
      return raw % RING_HEADER_BYTES;
    case 6:
      return raw % ctx.layout.ringBytes;
    default:
      return slot(ctx.model.cCursor) + (((raw & 3) * 4) % slotBytes);
  }
}

/** The value written: near the current one (a plausible cursor), boundaries, anything. */
function hostileValue(ctx: FuzzContext, offset: number, args: Op['args'], current: number): number {
  const { model } = ctx;
  const raw = args.valueRaw ?? 0;
  const delta = (raw << 24) >> 24;
  // The edge of what an honest peer could write: a head up to the published tail, a tail
  // up to a full ring past the released head.
  const edges: Record<number, number> = {
    [RING_HEAD_OFFSET]: model.pPublished,
    [RING_TAIL_OFFSET]: model.cReleased + model.capacity,
  };
  const edge = (edges[offset] ?? current) + (raw % 3) - 1;
  const spread = current + (raw % (2 * model.capacity + 1));
  const values = [current + delta, spread, 0, 0xffffffff, 0x80000000, edge, edge];
  return (values[(args.valueMode ?? 0) % 8] ?? raw) >>> 0;
}

function hostile(ctx: FuzzContext, args: Op['args']): void {
  const { layout, view } = ctx;
  const width = WIDTHS[(args.width ?? 0) % WIDTHS.length] as 1 | 2 | 4;
  let offset = hostileOffset(ctx, args.target ?? 0, args.offsetRaw ?? 0);
  offset = Math.min(offset - (offset % width), layout.ringBytes - width);
  const address = layout.ring + offset;
  let current = 0;
  for (let i = 0; i < width; i++) current += view.getUint8(address + i) * 2 ** (8 * i);
  const value = hostileValue(ctx, offset, args, current);
  const bytes = new Uint8Array(width);
  for (let i = 0; i < width; i++) bytes[i] = Math.floor(value / 2 ** (8 * i)) & 0xff;
  ctx.guard.write(address, bytes);
  const changed = value % 2 ** (8 * width) !== current;
  ctx.model.hostileWrite(offset, width, view, changed);
}

/** What ringAttach must accept: the documented geometry, alignment and bounds rules. */
function attachValid(
  memoryBytes: number,
  local: number,
  shared: number,
  capacity: number,
  slotBytes: number,
) {
  const geometry =
    capacity > 0 &&
    capacity <= RING_MAX_CAPACITY &&
    (capacity & (capacity - 1)) === 0 &&
    slotBytes > 0 &&
    slotBytes <= RING_MAX_SLOT_BYTES &&
    slotBytes % RING_SLOT_ALIGN_BYTES === 0;
  const end = shared + RING_HEADER_BYTES + capacity * slotBytes;
  const localEnd = local + RING_LOCAL_BYTES;
  const overlaps = localEnd > shared && local < end;
  const placed = shared % CACHE_LINE_BYTES === 0 && local % 4 === 0;
  return {
    geometry,
    valid: geometry && placed && end <= memoryBytes && localEnd <= memoryBytes && !overlaps,
  };
}

function attachCapacity(raw: number): number {
  return raw >>> 28 < 8 ? 2 ** (raw % 18) : raw;
}

function attachSlotBytes(raw: number): number {
  const choices = [RING_MAX_SLOT_BYTES, RING_MAX_SLOT_BYTES + 8, raw % 2100, raw];
  return choices[raw % 16] ?? ((raw >>> 4) % 263) * 8;
}

function attach(ctx: FuzzContext, args: Op['args']): void {
  const { core, layout } = ctx;
  const capacity = attachCapacity(args.capacity ?? 0);
  const slotBytes = attachSlotBytes(args.slotBytes ?? 0);
  const size = RING_HEADER_BYTES + capacity * slotBytes;
  const end = layout.memoryBytes;
  const raw = args.sharedRaw ?? 0;
  const shared = [layout.ring, end - size, end - size + 64, raw, layout.ring + 32, 0][
    (args.shared ?? 0) % 6
  ];
  const sharedU32 = Math.max(0, Math.min(shared ?? 0, 0xffffffff)) >>> 0;
  // Blocks around the probed ring only where that ring is the program's own: elsewhere a
  // valid block could land on the live ring and the model would rightly lose track.
  const near = sharedU32 === layout.ring;
  const locals = [
    layout.scratch,
    layout.scratch + 2,
    end - 64,
    end - 60,
    sharedU32 + 64,
    0xffffffc0,
  ];
  if (near) locals.push(layout.ring - 64, layout.ring - 32, layout.ring + size - 32);
  if (near && size >= layout.ringBytes) locals.push(layout.ring + size);
  const local = (locals[(args.local ?? 0) % locals.length] ?? 0) >>> 0;
  const { geometry, valid } = attachValid(end, local, sharedU32, capacity, slotBytes);
  const bytes = call(
    ctx,
    'ringBytes',
    () => core.ringBytes(capacity, slotBytes),
    () => [],
  );
  const wantBytes = geometry && size <= 0x7fffffff ? size : ERR_INVAL;
  expect(
    bytes === wantBytes,
    () => `ringBytes(${capacity}, ${slotBytes}) = ${bytes}, want ${wantBytes}`,
  );
  const run = (): number => core.ringAttachAt(local, sharedU32, capacity, slotBytes, raw);
  const real = call(ctx, 'ringAttachAt', run, () =>
    valid ? [localRange(local, 'attached block')] : [],
  );
  const want = valid ? 0 : ERR_INVAL;
  const what = `ringAttachAt(${local}, ${sharedU32}, ${capacity}, ${slotBytes})`;
  expect(real === want, () => `${what} = ${real}, want ${want}`);
  if (!valid) return;
  const gotCapacity =
    call(
      ctx,
      'ringCapacity',
      () => core.ringCapacity(local),
      () => [],
    ) >>> 0;
  const gotSlot =
    call(
      ctx,
      'ringSlotBytes',
      () => core.ringSlotBytes(local),
      () => [],
    ) >>> 0;
  expect(
    gotCapacity === capacity && gotSlot === slotBytes,
    () => `${what} reads back ${gotCapacity} x ${gotSlot}`,
  );
}

function geometry(ctx: FuzzContext): void {
  const { core, layout } = ctx;
  const { capacity, slotBytes } = ctx.geometry;
  const got = [
    call(
      ctx,
      'ringCapacity',
      () => core.ringCapacity(layout.producer),
      () => [],
    ),
    call(
      ctx,
      'ringSlotBytes',
      () => core.ringSlotBytes(layout.consumer),
      () => [],
    ),
    call(
      ctx,
      'msgMaxPayload',
      () => core.msgMaxPayload(layout.producer),
      () => [],
    ),
    call(
      ctx,
      'ringBytes',
      () => core.ringBytes(capacity, slotBytes),
      () => [],
    ),
    call(
      ctx,
      'heapBase',
      () => core.heapBase(),
      () => [],
    ),
  ];
  const heapBase = layout.producer - RING_LOCAL_BYTES;
  const want = [capacity, slotBytes, slotBytes - MSG_HEADER_BYTES, layout.ringBytes];
  expect(got[4] !== undefined && got[4] <= heapBase, () => `heapBase moved to ${got[4]}`);
  expect(
    want.every((value, i) => got[i] === value),
    () => `geometry reads ${got}, want ${want}`,
  );
}

/** Operations of the hostile peer and of attach probes, by program kind. */
export const PEER_OPS = { hostile, attach, geometry } as const;
