// Reference model of the SPSC slot ring for fast-check's model-based runs: counts of slots
// since the ring's start cursor, and one command class per ring operation (test/ring.test.ts).
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { CoreFixture, RingPair } from './core-fixture.js';
import { ERR_AGAIN, RING_HEADER_BYTES } from '../../src/wasm/layout.generated.js';

/** Reference state, as counts of slots since the ring's start cursor. */
export interface RingModel {
  start: number;
  /** Producer: slots reserved, and slots published by the last commit. */
  reserved: number;
  published: number;
  /** Consumer: slots consumed, the tail it last read, and slots handed back. */
  consumed: number;
  seenTail: number;
  released: number;
}

export interface RingReal {
  fx: CoreFixture;
  ring: RingPair;
}

function slotAddress(ring: RingPair, start: number, count: number): number {
  const index = ((start + count) >>> 0) & (ring.capacity - 1);
  return ring.shared + RING_HEADER_BYTES + index * ring.slotBytes;
}

/** Word `j` of the slot that carries slot number `seq`. */
function word(seq: number, j: number): number {
  return (Math.imul(seq, 0x9e3779b1) + j) >>> 0;
}

function fillSlot(fx: CoreFixture, address: number, seq: number, slotBytes: number): void {
  for (let j = 0; j < slotBytes / 4; j++) fx.setU32(address + 4 * j, word(seq, j));
}

function checkSlot(fx: CoreFixture, address: number, seq: number, slotBytes: number): void {
  for (let j = 0; j < slotBytes / 4; j++) {
    assert.is(fx.u32(address + 4 * j), word(seq, j), `slot ${seq} word ${j}`);
  }
}

/** Consumer's view of the front: ringFront re-reads the tail only when it caught up. */
function expectFront(m: RingModel, r: RingReal, status: number): boolean {
  if (m.consumed === m.seenTail) m.seenTail = m.published;
  if (m.consumed === m.seenTail) {
    assert.is(status, ERR_AGAIN, 'empty ring answers ERR_AGAIN');
    return false;
  }
  assert.is(status, slotAddress(r.ring, m.start, m.consumed), 'front is the oldest slot');
  checkSlot(r.fx, status, m.consumed, r.ring.slotBytes);
  return true;
}

class Reserve implements fc.Command<RingModel, RingReal> {
  constructor(readonly count: number) {}
  check = (): boolean => true;
  run(m: RingModel, r: RingReal): void {
    for (let i = 0; i < this.count; i++) {
      const status = r.fx.core.ringReserve(r.ring.producer);
      if (m.reserved - m.released >= r.ring.capacity) {
        assert.is(status, ERR_AGAIN, 'full ring answers ERR_AGAIN');
        continue;
      }
      assert.is(status, slotAddress(r.ring, m.start, m.reserved), 'next free slot');
      fillSlot(r.fx, status, m.reserved, r.ring.slotBytes);
      m.reserved++;
    }
  }
  toString = (): string => `reserve(${this.count})`;
}

class Commit implements fc.Command<RingModel, RingReal> {
  check = (): boolean => true;
  run(m: RingModel, r: RingReal): void {
    assert.is(r.fx.core.ringCommit(r.ring.producer), 0, 'no consumer is parked');
    m.published = m.reserved;
    assert.is(r.fx.tail(r.ring), (m.start + m.published) >>> 0, 'published tail wraps mod 2^32');
  }
  toString = (): string => 'commit';
}

class Front implements fc.Command<RingModel, RingReal> {
  check = (): boolean => true;
  run(m: RingModel, r: RingReal): void {
    expectFront(m, r, r.fx.core.ringFront(r.ring.consumer));
  }
  toString = (): string => 'front';
}

class Advance implements fc.Command<RingModel, RingReal> {
  check = (): boolean => true;
  run(m: RingModel, r: RingReal): void {
    const status = r.fx.core.ringAdvance(r.ring.consumer);
    if (m.consumed === m.seenTail) {
      assert.is(status, ERR_AGAIN, 'advance without a fronted slot is refused');
    } else {
      assert.is(status, 0);
      m.consumed++;
    }
  }
  toString = (): string => 'advance';
}

class Peek implements fc.Command<RingModel, RingReal> {
  constructor(readonly count: number) {}
  check = (): boolean => true;
  run(m: RingModel, r: RingReal): void {
    for (let i = 0; i < this.count; i++) {
      if (expectFront(m, r, r.fx.core.ringPeek(r.ring.consumer))) m.consumed++;
    }
  }
  toString = (): string => `peek(${this.count})`;
}

class Release implements fc.Command<RingModel, RingReal> {
  check = (): boolean => true;
  run(m: RingModel, r: RingReal): void {
    r.fx.core.ringRelease(r.ring.consumer);
    m.released = m.consumed;
    assert.is(r.fx.head(r.ring), (m.start + m.released) >>> 0, 'released head wraps mod 2^32');
  }
  toString = (): string => 'release';
}

/** Random sequences of ring operations, batches of up to 20 included. */
export const ringCommandsArb = fc.commands(
  [
    fc.integer({ min: 1, max: 20 }).map((n) => new Reserve(n)),
    fc.constant(new Commit()),
    fc.constant(new Front()),
    fc.constant(new Advance()),
    fc.integer({ min: 1, max: 20 }).map((n) => new Peek(n)),
    fc.constant(new Release()),
  ],
  { maxCommands: 300, size: 'max' },
);
/** Ring geometries small enough to fill and wrap within one run. */
export const ringGeometryArb = fc.record({
  capacity: fc.constantFrom(1, 2, 4, 8, 16),
  slotBytes: fc.constantFrom(8, 16, 24, 64),
});
