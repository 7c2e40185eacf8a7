// Message rings inside a shared segment, for the cross-process native tests: the geometry
// both processes agree on, the seeded messages, and the producer and consumer loops (parked
// consumers are woken only through doorbells, so a lost wake-up shows as a timeout).
import type { NativeAddon } from '../../src/native/addon.js';
import type { ProcessCore } from '../../src/wasm/process-core.js';
import type { Bell } from './native-messages.js';

export const RING_CAPACITY = 1024;
export const SLOT_BYTES = 256;
const ERR_AGAIN = -11;
const MAX_MESSAGE_BYTES = 200;
const PUBLISH_EVERY = 64;

/** Byte offset of ring `index` inside a segment holding `rings` rings, and the segment size. */
export function segmentGeometry(core: ProcessCore, page: number, rings: number) {
  const ringBytes = Math.ceil(core.core.ringBytes(RING_CAPACITY, SLOT_BYTES) / 64) * 64;
  const bytes = Math.ceil((ringBytes * rings) / page) * page;
  return { bytes, ringOffset: (index: number) => index * ringBytes };
}

/** Maps segment `fd` into a fresh region of `core`; returns the region's address. */
export function mapSegment(
  addon: NativeAddon,
  core: ProcessCore,
  fd: number,
  bytes: number,
): number {
  const region = core.allocRegion(bytes);
  const status = addon.mapWindow(new Uint8Array(core.memory.buffer), region, bytes, fd, 0);
  if (status !== 0) throw new Error(`mapWindow failed: ${status}`);
  return region;
}

/** Attaches a fresh private endpoint to the ring at absolute address `shared`. */
export function attach(core: ProcessCore, shared: number): number {
  const local = core.allocLocal();
  const status = core.core.ringAttach(local, shared, RING_CAPACITY, SLOT_BYTES);
  if (status !== 0) throw new Error(`ringAttach failed: ${status}`);
  return local;
}

/** mulberry32: a small seeded PRNG, so both processes derive the same messages. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** FNV-1a over bytes [start, end) of `view`, continuing from `hash`. */
export function fnv1a(hash: number, view: Uint8Array, start: number, end: number): number {
  let h = hash;
  for (let i = start; i < end; i++) h = Math.imul(h ^ view[i]!, 0x01000193) >>> 0;
  return h;
}
export const FNV_OFFSET = 0x811c9dc5;

/** Writes message `seq` (its number, then random bytes) at `at`; returns its length. */
function fillMessage(random: () => number, seq: number, view: Uint8Array, at: number): number {
  const length = 4 + (random() % (MAX_MESSAGE_BYTES - 4));
  new DataView(view.buffer).setUint32(at, seq, true);
  for (let i = 4; i < length; i++) view[at + i] = random() & 0xff;
  return length;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Produces `count` seeded messages into the ring behind `local`, publishing every
 * PUBLISH_EVERY messages and ringing `peerBell` only when the consumer is parked. Returns the
 * FNV-1a checksum of every payload byte and how many rings it took.
 */
export async function produce(
  addon: NativeAddon,
  core: ProcessCore,
  local: number,
  peerBell: number,
  count: number,
  seed: number,
) {
  const src = core.allocRegion(4096);
  const view = new Uint8Array(core.memory.buffer);
  const random = prng(seed);
  let hash = FNV_OFFSET;
  let rings = 0;
  const publish = () => {
    if (core.core.ringCommit(local) === 1) {
      rings++;
      addon.doorbellRing(peerBell);
    }
  };
  let length = -1;
  for (let seq = 0; seq < count;) {
    if (length < 0) {
      length = fillMessage(random, seq, view, src);
      hash = fnv1a(hash, view, src, src + length);
    }
    const written = core.core.msgWrite(local, src, length, 1);
    if (written >= 0) {
      seq++;
      length = -1;
      if (seq % PUBLISH_EVERY === 0) publish();
    } else if (written === ERR_AGAIN) {
      publish();
      await yieldToLoop();
    } else {
      throw new Error(`msgWrite failed: ${written}`);
    }
  }
  publish();
  return { checksum: hash, rings };
}

/**
 * Consumes `count` messages from the ring behind `local`, checking each one's sequence
 * number; parks on `bell` whenever the ring is empty. Returns the payload checksum.
 */
export async function consume(
  core: ProcessCore,
  local: number,
  bell: Bell,
  count: number,
  timeoutMs: number,
) {
  const dst = core.allocRegion(4096);
  const view = new Uint8Array(core.memory.buffer);
  const data = new DataView(core.memory.buffer);
  let hash = FNV_OFFSET;
  for (let seq = 0; seq < count;) {
    const length = core.core.msgRead(local, dst, SLOT_BYTES);
    if (length >= 4) {
      const got = data.getUint32(dst, true);
      if (got !== seq) throw new Error(`message ${seq} arrived as ${got}`);
      hash = fnv1a(hash, view, dst, dst + length);
      if (++seq % PUBLISH_EVERY === 0) core.core.ringRelease(local);
      continue;
    }
    if (length !== ERR_AGAIN) throw new Error(`msgRead failed: ${length}`);
    core.core.ringRelease(local);
    const parked = core.core.ringPark(local);
    if (parked < 0) throw new Error(`ringPark failed: ${parked}`);
    if (parked === 0) await bell.wait(timeoutMs);
    core.core.ringUnpark(local);
  }
  core.core.ringRelease(local);
  return hash;
}
