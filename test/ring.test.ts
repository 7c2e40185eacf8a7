// The SPSC slot ring (assembly/ring.ts) against a plain JS reference queue: random command
// sequences of reserve/commit/front/advance/peek/release, batches, several geometries, and
// cursors that start just below 2^32 so that every run can cross the wrap; then attach
// validation and rings at many bases, including one high in a grown memory.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { CoreFixture, checkProperty, startArb } from './helpers/core-fixture.js';
import { ringCommandsArb, ringGeometryArb, type RingModel } from './helpers/ring-model.js';
import * as L from '../src/wasm/layout.generated.js';
const { ERR_AGAIN } = L;

const fx = new CoreFixture();
const region = fx.openRing(16, 64);

test('slot ring matches a reference queue: order, contents, full/empty, wrap past 2^32', () => {
  const property = fc.property(
    ringGeometryArb,
    startArb,
    ringCommandsArb,
    (geometry, start, cmds) => {
      const ring = fx.reopen(region, start, geometry.capacity, geometry.slotBytes);
      assert.is(fx.core.ringCapacity(ring.producer), geometry.capacity);
      assert.is(fx.core.ringSlotBytes(ring.consumer), geometry.slotBytes);
      const model: RingModel = {
        start,
        reserved: 0,
        published: 0,
        consumed: 0,
        seenTail: 0,
        released: 0,
      };
      fc.modelRun(() => ({ model, real: { fx, ring } }), cmds);
    },
  );
  checkProperty('slot ring model', property, 300);
});

test('cursors wrap from 0xFFFFFFFF to 0 with every slot delivered once, in order', () => {
  const ring = fx.reopen(region, 0xfffffffd, 4, 8);
  const seen: number[] = [];
  for (let seq = 0; seq < 40; seq++) {
    const slot = fx.core.ringReserve(ring.producer);
    fx.setU32(slot, seq);
    fx.core.ringCommit(ring.producer);
    const read = fx.core.ringPeek(ring.consumer);
    seen.push(fx.u32(read));
    fx.core.ringRelease(ring.consumer);
  }
  assert.equal(seen, [...Array(40).keys()]);
  assert.is(fx.tail(ring), (0xfffffffd + 40) >>> 0);
  assert.is(fx.head(ring), fx.tail(ring));
});

test('a producer batch becomes visible only at ringCommit, all at once', () => {
  const ring = fx.reopen(region, 0xfffffffe, 8, 8);
  for (let i = 0; i < 5; i++) fx.core.ringReserve(ring.producer);
  assert.is(fx.core.ringFront(ring.consumer), ERR_AGAIN);
  fx.core.ringCommit(ring.producer);
  let visible = 0;
  while (fx.core.ringPeek(ring.consumer) >= 0) visible++;
  assert.is(visible, 5);
});

test('released slots return to the producer only at ringRelease', () => {
  const ring = fx.reopen(region, 0, 2, 8);
  fx.core.ringReserve(ring.producer);
  fx.core.ringReserve(ring.producer);
  fx.core.ringCommit(ring.producer);
  assert.is(fx.core.ringReserve(ring.producer), ERR_AGAIN);
  fx.core.ringPeek(ring.consumer);
  fx.core.ringPeek(ring.consumer);
  assert.is(fx.core.ringReserve(ring.producer), ERR_AGAIN, 'read but not released');
  fx.core.ringRelease(ring.consumer);
  assert.ok(fx.core.ringReserve(ring.producer) > 0);
});

test('ringCommit reports a parked consumer; ringPark refuses to sleep over data', () => {
  const ring = fx.reopen(region, 0xffffffff, 4, 8);
  assert.is(fx.core.ringPark(ring.consumer), 0, 'empty: may sleep');
  fx.core.ringReserve(ring.producer);
  assert.is(fx.core.ringCommit(ring.producer), 1, 'parked: ring the doorbell');
  assert.is(fx.core.ringPark(ring.consumer), 1, 'data arrived: do not sleep');
  fx.core.ringUnpark(ring.consumer);
  fx.core.ringReserve(ring.producer);
  assert.is(fx.core.ringCommit(ring.producer), 0, 'awake: no doorbell');
});

test('ringAttach refuses bad geometry with ERR_INVAL: capacity, slot size, alignment', () => {
  const { core } = fx;
  const local = fx.pc.allocLocal();
  const base = fx.pc.allocRegion(core.ringBytes(L.RING_MAX_CAPACITY, 8));
  const refused: Array<[number, number, number, string]> = [
    [base, 0, 8, 'capacity 0'],
    [base, 3, 8, 'capacity not a power of two'],
    [base, 48, 8, 'capacity not a power of two'],
    [base, L.RING_MAX_CAPACITY * 2, 8, 'capacity above RING_MAX_CAPACITY'],
    [base, 0x80000000, 8, 'capacity 2^31'],
    [base, 4, 0, 'slot size 0'],
    [base, 4, 4, 'slot size not a multiple of 8'],
    [base, 4, 12, 'slot size not a multiple of 8'],
    [base, 1, L.RING_MAX_SLOT_BYTES + 8, 'slot size above RING_MAX_SLOT_BYTES'],
    [base + 4, 4, 8, 'shared base not on a cache line'],
    [base + 32, 4, 8, 'shared base not on a cache line'],
  ];
  for (const [shared, capacity, slotBytes, why] of refused) {
    assert.is(core.ringAttach(local, shared, capacity, slotBytes), L.ERR_INVAL, why);
    assert.is(
      core.ringBytes(capacity, slotBytes),
      shared === base ? L.ERR_INVAL : 128 + capacity * slotBytes,
      why,
    );
  }
  assert.is(core.ringAttach(local + 2, base, 4, 8), L.ERR_INVAL, 'private block unaligned');
  assert.is(core.ringAttach(local, base + 64, 4, 8), 0, 'any cache-line base');
  assert.is(core.ringAttach(local, base, L.RING_MAX_CAPACITY, 8), 0, 'largest capacity');
  assert.is(core.ringBytes(L.RING_MAX_CAPACITY, L.RING_MAX_SLOT_BYTES), L.ERR_INVAL, 'over 2 GiB');
});

test('ringAttach refuses a ring or private block past the end of memory, or overlapping', () => {
  const { core } = fx;
  const local = fx.pc.allocLocal();
  const end = fx.memory.buffer.byteLength;
  assert.is(core.ringAttach(local, end - 128, 1, 8), L.ERR_INVAL, 'last slot past the end');
  assert.is(core.ringAttach(local, end - 64 * 1024, 1024, 64), L.ERR_INVAL, 'slots past the end');
  assert.is(core.ringAttach(local, 0xffffffc0, 1, 8), L.ERR_INVAL, 'address wraps 2^32');
  assert.is(core.ringAttach(local, end - 192, 1, 64), 0, 'ending on the last byte is fine');
  assert.is(core.ringAttach(end - 32, end - 4096, 1, 8), L.ERR_INVAL, 'private block past the end');
  const base = fx.pc.allocRegion(4096);
  assert.is(core.ringAttach(base + 64, base, 4, 64), L.ERR_INVAL, 'private block inside the ring');
  assert.is(core.ringAttach(base + 384, base, 4, 64), 0, 'private block just after the ring');
});

test('a ring works at any page-aligned base, including one high in a grown memory', () => {
  const grown = new CoreFixture();
  const bases = [1, 2, 3, 17].map(() => grown.pc.allocRegion(4096 * 3));
  const before = grown.memory.buffer.byteLength;
  const big = grown.pc.allocRegion(200 << 20);
  const top = big + (200 << 20) - 4096;
  bases.push(big, top);
  assert.ok(grown.memory.buffer.byteLength >= before + (200 << 20), 'the memory grew');
  assert.ok(top + 4096 <= grown.memory.buffer.byteLength && top > 200 << 20, 'a high base');
  const early = grown.openRing(8, 64, 0xfffffffa, bases[0]);
  for (const base of bases) {
    const ring = grown.openRing(8, 64, 0xfffffffa, base);
    for (const r of [ring, early]) {
      for (let seq = 0; seq < 20; seq++) {
        grown.setU32(grown.core.ringReserve(r.producer), seq ^ base);
        grown.core.ringCommit(r.producer);
        assert.is(grown.u32(grown.core.ringPeek(r.consumer)), (seq ^ base) >>> 0);
        grown.core.ringRelease(r.consumer);
      }
    }
  }
});

test.run();
