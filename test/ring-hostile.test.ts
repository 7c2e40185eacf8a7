// A hostile or corrupt peer against the ring, message and queue code. ARCHITECTURE security
// model: every value read from shared memory is validated; a violation is ERR_PROTO for that
// ring, never a trap, a hang, or a write outside the ring and the caller's own buffer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { CoreFixture, checkProperty, startArb, type RingPair } from './helpers/core-fixture.js';
import * as L from '../src/wasm/layout.generated.js';

const fx = new CoreFixture();
const region = fx.openRing(8, 72);
const scratch = fx.pc.allocRegion(4096);
const dst = scratch + 1024;
const GUARD = 0x5a;

/** Memory outside `allowed` ranges must be byte-for-byte what `before` holds. */
function assertUntouched(before: Uint8Array, allowed: Array<[number, number]>): void {
  const after = fx.bytes();
  let at = 0;
  for (const [from, to] of [...allowed, [after.length, after.length] as [number, number]].sort(
    (a, b) => a[0] - b[0],
  )) {
    if (Buffer.compare(before.subarray(at, from), after.subarray(at, from)) !== 0) {
      assert.unreachable(`memory changed between ${at} and ${from}`);
    }
    at = Math.max(at, to);
  }
}

/** What the peer may legitimately change: its ring and both private blocks. */
function ringRanges(ring: RingPair): Array<[number, number]> {
  const bytes = fx.core.ringBytes(ring.capacity, ring.slotBytes);
  return [
    [ring.shared, ring.shared + bytes],
    [ring.producer, ring.producer + L.RING_LOCAL_BYTES],
    [ring.consumer, ring.consumer + L.RING_LOCAL_BYTES],
  ];
}

/** Producer commits `count` slots; the consumer reads and releases `read` of them. */
function fill(ring: RingPair, count: number, read = 0): void {
  for (let i = 0; i < count; i++) assert.ok(fx.core.ringReserve(ring.producer) > 0);
  fx.core.ringCommit(ring.producer);
  for (let i = 0; i < read; i++) assert.ok(fx.core.ringPeek(ring.consumer) > 0);
  fx.core.ringRelease(ring.consumer);
}

test('producer gets ERR_PROTO when the consumer head moves backwards', () => {
  const start = 0xfffffffe;
  const ring = fx.reopen(region, start, 4, 8);
  fill(ring, 4, 2);
  fill(ring, 2);
  assert.is(fx.core.ringReserve(ring.producer), L.ERR_AGAIN, 'full, head validated at +2');
  fx.setU32(ring.shared + L.RING_HEAD_OFFSET, start + 1);
  assert.is(fx.core.ringReserve(ring.producer), L.ERR_PROTO);
  fx.setU32(ring.shared + L.RING_HEAD_OFFSET, start - 1);
  assert.is(fx.core.ringReserve(ring.producer), L.ERR_PROTO);
});

test('producer gets ERR_PROTO when the consumer head passes the published tail', () => {
  const ring = fx.reopen(region, 0xfffffffc, 4, 8);
  fill(ring, 3);
  fx.core.ringReserve(ring.producer);
  fx.setU32(ring.shared + L.RING_HEAD_OFFSET, 0xfffffffc + 4);
  assert.is(fx.core.ringReserve(ring.producer), L.ERR_PROTO, 'reserved but not published');
  fx.setU32(ring.shared + L.RING_HEAD_OFFSET, 0xfffffffc + 3);
  assert.ok(fx.core.ringReserve(ring.producer) > 0, 'head exactly at the tail is legal');
});

test('producer answers a random consumer head with ERR_PROTO exactly when it is impossible', () => {
  const property = fc.property(
    startArb,
    fc.nat(4),
    fc.nat({ max: 0xffffffff }),
    (start, read, head) => {
      const ring = fx.reopen(region, start, 4, 8);
      fill(ring, 4, read);
      fx.setU32(ring.shared + L.RING_HEAD_OFFSET, head);
      const before = fx.bytes().slice();
      const status = fx.core.ringReserve(ring.producer);
      // The producer last validated the head at `start`: anything from there up to its
      // published tail is a legal head, whatever the consumer really released.
      const ahead = (head - start) >>> 0;
      if (ahead > 4) assert.is(status, L.ERR_PROTO);
      else if (ahead === 0) assert.is(status, L.ERR_AGAIN);
      else assert.ok(status > 0, `a legal head got ${status}`);
      assertUntouched(before, ringRanges(ring));
    },
  );
  checkProperty('hostile head', property, 500);
});

test('consumer gets ERR_PROTO when the producer tail moves backwards', () => {
  const ring = fx.reopen(region, 0xffffffff, 4, 8);
  fill(ring, 3, 3);
  fx.setU32(ring.shared + L.RING_TAIL_OFFSET, 0xffffffff + 2);
  assert.is(fx.core.ringFront(ring.consumer), L.ERR_PROTO);
  assert.is(fx.core.ringPeek(ring.consumer), L.ERR_PROTO);
  assert.is(fx.core.ringAdvance(ring.consumer), L.ERR_AGAIN, 'nothing was fronted');
  assert.is(fx.core.ringPark(ring.consumer), L.ERR_PROTO);
});

test('consumer gets ERR_PROTO when the producer tail runs more than capacity ahead', () => {
  const start = 0xfffffff0;
  const ring = fx.reopen(region, start, 4, 72);
  fill(ring, 4, 4);
  fx.core.ringPeek(ring.consumer);
  fx.setU32(ring.shared + L.RING_TAIL_OFFSET, start + 4 + 5);
  assert.is(fx.core.msgPeekLength(ring.consumer), L.ERR_PROTO, 'capacity + 1 past the head');
  assert.is(fx.core.msgRead(ring.consumer, dst, 64), L.ERR_PROTO);
  fx.setU32(ring.shared + L.RING_TAIL_OFFSET, start + 4 + 4);
  assert.ok(fx.core.ringFront(ring.consumer) > 0, 'exactly capacity past the head is legal');
});

test('consumer answers a random producer tail with ERR_PROTO exactly when it is impossible', () => {
  const property = fc.property(
    startArb,
    fc.nat(4),
    fc.nat({ max: 0xffffffff }),
    (start, read, tail) => {
      const ring = fx.reopen(region, start, 4, 72);
      fill(ring, read, read);
      fx.setU32(ring.shared + L.RING_TAIL_OFFSET, tail);
      const before = fx.bytes().slice();
      const status = fx.core.ringFront(ring.consumer);
      const ahead = (tail - (start + read)) >>> 0;
      if (ahead > 4) assert.is(status, L.ERR_PROTO);
      else if (ahead === 0) assert.is(status, L.ERR_AGAIN);
      else assert.ok(status > 0, `a legal tail got ${status}`);
      assertUntouched(before, ringRanges(ring));
    },
  );
  checkProperty('hostile tail', property, 500);
});

test('a message length past the slot payload is ERR_PROTO and copies nothing', () => {
  const ring = fx.reopen(region, 0xfffffffd, 8, 72);
  fx.core.msgWrite(ring.producer, scratch, 64, 1);
  fx.core.ringCommit(ring.producer);
  for (const length of [65, 72, 0x80000000, 0xfffffff8, 0xffffffff]) {
    fx.setU32(fx.core.ringFront(ring.consumer) + L.MSG_LENGTH_OFFSET, length);
    fx.bytes().fill(GUARD, dst - 16, dst + 1024);
    const before = fx.bytes().slice();
    assert.is(fx.core.msgPeekLength(ring.consumer), L.ERR_PROTO, `length ${length}`);
    assert.is(fx.core.msgRead(ring.consumer, dst, 0xc00), L.ERR_PROTO, `length ${length}`);
    assertUntouched(before, ringRanges(ring));
  }
  fx.setU32(fx.core.ringFront(ring.consumer) + L.MSG_LENGTH_OFFSET, 64);
  assert.is(fx.core.msgRead(ring.consumer, dst, 64), 64, 'the message was never consumed');
});

test('a header rewritten between msgPeekLength and msgRead cannot overrun the destination', () => {
  const ring = fx.reopen(region, 0, 8, 72);
  for (let i = 0; i < 3; i++) fx.core.msgWrite(ring.producer, scratch, 8, 1);
  fx.core.ringCommit(ring.producer);
  const rewrites: Array<[number, number]> = [
    [64, L.ERR_MSGSIZE],
    [0xffffffff, L.ERR_PROTO],
    [4, 4],
  ];
  for (const [length, expected] of rewrites) {
    const header = fx.core.ringFront(ring.consumer) + L.MSG_LENGTH_OFFSET;
    fx.setU32(header, 8);
    assert.is(fx.core.msgPeekLength(ring.consumer), 8);
    fx.setU32(header, length);
    fx.bytes().fill(GUARD, dst, dst + 128);
    assert.is(fx.core.msgRead(ring.consumer, dst, 8), expected, `rewritten to ${length}`);
    const copied = expected > 0 ? expected : 0;
    assert.ok(
      fx
        .bytes()
        .subarray(dst + copied, dst + 128)
        .every((b) => b === GUARD),
    );
  }
});

test('work requests with an unknown opcode or a 64-bit user_data are ERR_PROTO', () => {
  const ring = fx.reopen(region, 0xfffffffe, 4, L.SQE_BYTES);
  const cases: Array<[number, number]> = [
    [0, 0],
    [L.OP_MAX + 1, 0],
    [0xffff, 0],
    [L.OP_SEND, 1],
    [L.OP_SEND, 0x80000000],
  ];
  for (const [opcode, userDataHigh] of cases) {
    fx.core.sqPush(ring.producer, L.OP_SEND, 0, 0, 7, 0, 0, 0, 0);
    fx.core.ringCommit(ring.producer);
    const sqe = fx.core.ringFront(ring.consumer);
    fx.view().setUint16(sqe + L.SQE_OPCODE_OFFSET, opcode, true);
    fx.setU32(sqe + L.SQE_USER_DATA_OFFSET + 4, userDataHigh);
    assert.is(fx.core.sqFront(ring.consumer), L.ERR_PROTO, `opcode ${opcode} high ${userDataHigh}`);
    fx.core.ringAdvance(ring.consumer);
    fx.core.ringRelease(ring.consumer);
  }
});

test('completions with a 64-bit user_data are ERR_PROTO', () => {
  const ring = fx.reopen(region, 0xffffffff, 2, L.CQE_BYTES);
  fx.core.cqPush(ring.producer, 9, -104, 0);
  fx.core.ringCommit(ring.producer);
  const cqe = fx.core.cqFront(ring.consumer);
  assert.is(fx.core.cqeResult(cqe), -104);
  fx.setU32(cqe + L.CQE_USER_DATA_OFFSET + 4, 1);
  assert.is(fx.core.cqFront(ring.consumer), L.ERR_PROTO);
});

/** One step of a run that mixes honest calls with a peer scribbling on the shared header. */
const stepArb = fc.oneof(
  fc.record({ op: fc.constantFrom('write', 'commit', 'read', 'release', 'park', 'unpark') }),
  fc.record({
    op: fc.constant('scribble'),
    at: fc.constantFrom(L.RING_HEAD_OFFSET, L.RING_PARKED_OFFSET, L.RING_TAIL_OFFSET, 128, 200),
    value: fc.oneof(fc.nat({ max: 0xffffffff }), fc.integer({ min: -3, max: 70 })),
  }),
);

test('random scribbling on a message ring: statuses stay legal, no trap, no stray write', () => {
  const legal = new Set([L.ERR_AGAIN, L.ERR_PROTO, L.ERR_MSGSIZE]);
  const property = fc.property(startArb, fc.array(stepArb, { maxLength: 200 }), (start, steps) => {
    const ring = fx.reopen(region, start, 2, 72);
    const before = fx.bytes().slice();
    const { core } = fx;
    for (const step of steps) {
      if (step.op === 'scribble') {
        fx.setU32(ring.shared + step.at, step.value);
        continue;
      }
      if (step.op === 'write') {
        const status = core.msgWrite(ring.producer, scratch, 40, 3);
        assert.ok(status === 40 || legal.has(status), `msgWrite ${status}`);
      } else if (step.op === 'read') {
        fx.bytes().fill(GUARD, dst, dst + 128);
        const status = core.msgRead(ring.consumer, dst, 64);
        assert.ok((status >= 0 && status <= 64) || legal.has(status), `msgRead ${status}`);
        const copied = Math.max(0, status);
        assert.ok(
          fx
            .bytes()
            .subarray(dst + copied, dst + 128)
            .every((b) => b === GUARD),
        );
        before.set(fx.bytes().subarray(dst, dst + 128), dst);
      } else if (step.op === 'park') {
        assert.ok([0, 1, L.ERR_PROTO].includes(core.ringPark(ring.consumer)));
      } else if (step.op === 'commit') {
        assert.ok([0, 1].includes(core.ringCommit(ring.producer)));
      } else if (step.op === 'release') core.ringRelease(ring.consumer);
      else core.ringUnpark(ring.consumer);
    }
    assertUntouched(before, ringRanges(ring));
  });
  checkProperty('scribbling peer', property, 300);
});

test.run();
