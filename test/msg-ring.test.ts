// The message ring (assembly/msg-ring.ts) against a plain JS queue of messages: random
// lengths from 0 to past the slot's payload, type tags, destinations too small, batches, and
// cursors that start just below 2^32. Guard bytes show that each copy is exactly the length.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  CoreFixture,
  checkProperty,
  payloadByte,
  startArb,
  type RingPair,
} from './helpers/core-fixture.js';
import { ERR_AGAIN, ERR_INVAL, ERR_MSGSIZE } from '../src/wasm/layout.generated.js';

const GUARD = 0xa5;
const GUARD_BYTES = 16;

interface Message {
  seq: number;
  length: number;
  type: number;
}

interface MsgModel {
  pending: Message[];
  published: Message[];
  /** Messages read but not yet released, and the next sequence number. */
  unreleased: number;
  nextSeq: number;
}

interface MsgReal {
  fx: CoreFixture;
  ring: RingPair;
  src: number;
  dst: number;
}

function maxPayload(ring: RingPair): number {
  return ring.slotBytes - 8;
}

function inFlight(m: MsgModel): number {
  return m.pending.length + m.published.length + m.unreleased;
}

class Write implements fc.Command<MsgModel, MsgReal> {
  constructor(
    readonly extra: number,
    readonly fraction: number,
    readonly type: number,
  ) {}
  check = (): boolean => true;
  run(m: MsgModel, r: MsgReal): void {
    // extra > 0 asks for a message longer than the slot's payload.
    const max = maxPayload(r.ring);
    const length = this.extra > 0 ? max + this.extra : Math.floor(max * this.fraction);
    const seq = m.nextSeq;
    const bytes = r.fx.bytes();
    for (let i = 0; i < length; i++) bytes[r.src + i] = payloadByte(seq, i);
    const status = r.fx.core.msgWrite(r.ring.producer, r.src, length, this.type);
    if (length > max) return assert.is(status, ERR_MSGSIZE, 'too long for the slot');
    if (inFlight(m) >= r.ring.capacity) return assert.is(status, ERR_AGAIN, 'ring full');
    assert.is(status, length);
    m.pending.push({ seq, length, type: this.type });
    m.nextSeq++;
  }
  toString = (): string => `write(+${this.extra}, ${this.fraction.toFixed(2)}, ${this.type})`;
}

class Commit implements fc.Command<MsgModel, MsgReal> {
  check = (): boolean => true;
  run(m: MsgModel, r: MsgReal): void {
    r.fx.core.ringCommit(r.ring.producer);
    m.published.push(...m.pending.splice(0));
  }
  toString = (): string => 'commit';
}

class PeekLength implements fc.Command<MsgModel, MsgReal> {
  check = (): boolean => true;
  run(m: MsgModel, r: MsgReal): void {
    const front = m.published[0];
    const length = r.fx.core.msgPeekLength(r.ring.consumer);
    if (!front) return assert.is(length, ERR_AGAIN, 'empty ring');
    assert.is(length, front.length);
    assert.is(r.fx.core.msgPeekType(r.ring.consumer) >>> 0, front.type, 'type tag');
  }
  toString = (): string => 'peekLength';
}

class Read implements fc.Command<MsgModel, MsgReal> {
  constructor(readonly slack: number) {}
  check = (): boolean => true;
  run(m: MsgModel, r: MsgReal): void {
    const front = m.published[0];
    // slack < 0 offers a destination shorter than the message.
    const capacity = Math.max(0, (front?.length ?? 0) + this.slack);
    const bytes = r.fx.bytes();
    bytes.fill(GUARD, r.dst - GUARD_BYTES, r.dst + capacity + GUARD_BYTES);
    const status = r.fx.core.msgRead(r.ring.consumer, r.dst, capacity);
    const copied = status >= 0 ? status : 0;
    for (let i = r.dst - GUARD_BYTES; i < r.dst + capacity + GUARD_BYTES; i++) {
      if (i >= r.dst && i < r.dst + copied) continue;
      assert.is(bytes[i], GUARD, `byte ${i - r.dst} outside the message was written`);
    }
    if (!front) return assert.is(status, ERR_AGAIN, 'empty ring');
    if (front.length > capacity) return assert.is(status, ERR_MSGSIZE, 'destination too small');
    assert.is(status, front.length);
    for (let i = 0; i < front.length; i++) {
      if (bytes[r.dst + i] !== payloadByte(front.seq, i)) assert.unreachable(`payload byte ${i}`);
    }
    m.published.shift();
    m.unreleased++;
  }
  toString = (): string => `read(slack ${this.slack})`;
}

class Release implements fc.Command<MsgModel, MsgReal> {
  check = (): boolean => true;
  run(m: MsgModel, r: MsgReal): void {
    r.fx.core.ringRelease(r.ring.consumer);
    m.unreleased = 0;
  }
  toString = (): string => 'release';
}

const commandsArb = fc.commands(
  [
    fc
      .tuple(
        fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, fc.integer({ min: 1, max: 9 })),
        fc.oneof(fc.constantFrom(0, 1), fc.double({ min: 0, max: 1, noNaN: true })),
        fc.nat({ max: 0xffffffff }),
      )
      .map(([extra, fraction, type]) => new Write(extra, fraction, type)),
    fc.constant(new Commit()),
    fc.constant(new PeekLength()),
    fc.integer({ min: -3, max: 3 }).map((slack) => new Read(slack)),
    fc.constant(new Release()),
  ],
  { maxCommands: 300, size: 'max' },
);
const geometryArb = fc.record({
  capacity: fc.constantFrom(1, 2, 4, 8),
  slotBytes: fc.constantFrom(8, 16, 72, 256),
});

const fx = new CoreFixture();
const region = fx.openRing(8, 256);
const scratch = fx.pc.allocRegion(4096);
const src = scratch;
const dst = scratch + 1024;

test('message ring matches a reference queue: lengths 0..max, types, ERR_MSGSIZE, wrap', () => {
  const property = fc.property(geometryArb, startArb, commandsArb, (geometry, start, cmds) => {
    const ring = fx.reopen(region, start, geometry.capacity, geometry.slotBytes);
    assert.is(fx.core.msgMaxPayload(ring.producer), geometry.slotBytes - 8);
    const model: MsgModel = { pending: [], published: [], unreleased: 0, nextSeq: 0 };
    fc.modelRun(() => ({ model, real: { fx, ring, src, dst } }), cmds);
  });
  checkProperty('message ring model', property, 300);
});

test('an oversized msgWrite reserves nothing', () => {
  const ring = fx.reopen(region, 0xfffffff0, 1, 16);
  assert.is(fx.core.msgWrite(ring.producer, src, 9, 7), ERR_MSGSIZE);
  assert.is(fx.core.msgWrite(ring.producer, src, 8, 7), 8, 'the one slot is still free');
});

test('a destination too small leaves the message in place for a larger one', () => {
  const ring = fx.reopen(region, 0, 2, 72);
  fx.bytes().fill(0x3c, src, src + 64);
  fx.core.msgWrite(ring.producer, src, 64, 2);
  fx.core.ringCommit(ring.producer);
  assert.is(fx.core.msgRead(ring.consumer, dst, 63), ERR_MSGSIZE);
  assert.is(fx.core.msgRead(ring.consumer, dst, 64), 64);
  assert.is(fx.bytes()[dst + 63], 0x3c);
});

test('zero-length messages keep their type tag and count as messages', () => {
  const ring = fx.reopen(region, 0xffffffff, 2, 8);
  assert.is(fx.core.msgWrite(ring.producer, src, 0, 0xdeadbeef), 0);
  fx.core.ringCommit(ring.producer);
  assert.is(fx.core.msgPeekLength(ring.consumer), 0);
  assert.is(fx.core.msgPeekType(ring.consumer) >>> 0, 0xdeadbeef);
  assert.is(fx.core.msgRead(ring.consumer, dst, 0), 0);
  assert.is(fx.core.msgRead(ring.consumer, dst, 0), ERR_AGAIN);
});

test('buffers outside the memory are ERR_INVAL, not a trap, and consume nothing', () => {
  const ring = fx.reopen(region, 0, 2, 72);
  const end = fx.memory.buffer.byteLength;
  assert.is(fx.core.msgWrite(ring.producer, end - 8, 16, 0), ERR_INVAL);
  assert.is(fx.core.msgWrite(ring.producer, 0xfffffff8, 16, 0), ERR_INVAL);
  assert.is(fx.core.msgWrite(ring.producer, end - 16, 16, 0), 16, 'up to the last byte is fine');
  fx.core.ringCommit(ring.producer);
  assert.is(fx.core.msgRead(ring.consumer, end - 8, 16), ERR_INVAL);
  assert.is(fx.core.msgRead(ring.consumer, dst, 16), 16, 'the message was not consumed');
});

test.run();
