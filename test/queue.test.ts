// The work-request and completion queues (assembly/queue.ts) against a plain
// JS queue of entries: random fields (invalid opcodes and flags included), batches, and
// cursors that start just below 2^32; entries are read back through the layout offsets and
// the core's getters.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { CoreFixture, checkProperty, startArb, type RingPair } from './helpers/core-fixture.js';
import * as L from '../src/wasm/layout.generated.js';
import type { CoreExports } from '../src/wasm/core.js';

/** One queue kind: how to push an entry of fields and read it back at an address. */
interface EntryKind {
  name: string;
  entryBytes: number;
  fields: fc.Arbitrary<number[]>;
  /** Whether the core must accept these fields (it answers ERR_INVAL otherwise). */
  valid(fields: number[]): boolean;
  push(core: CoreExports, local: number, fields: number[]): number;
  front(core: CoreExports, local: number): number;
  read(fx: CoreFixture, entry: number): number[];
}

const u32 = fc.nat({ max: 0xffffffff });

const SQ: EntryKind = {
  name: 'work requests',
  entryBytes: L.SQE_BYTES,
  fields: fc.tuple(
    fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 1, max: L.OP_MAX }) },
      fc.constantFrom(0, L.OP_MAX + 1, 0xffff),
    ),
    fc.oneof(
      { weight: 4, arbitrary: fc.nat({ max: 0xffff }) },
      fc.constantFrom(0x10000, 0xffffffff),
    ),
    u32,
    u32,
    u32,
    u32,
    u32,
    u32,
  ),
  valid: ([opcode = 0, flags = 0]) => opcode >= 1 && opcode <= L.OP_MAX && flags <= 0xffff,
  push: (core, local, [op = 0, flags = 0, length = 0, data = 0, lo = 0, lk = 0, ro = 0, rk = 0]) =>
    core.sqPush(local, op, flags, length, data, lo, lk, ro, rk),
  front: (core, local) => core.sqFront(local),
  read(fx, at) {
    const v = fx.view();
    assert.is(v.getUint32(at + L.SQE_USER_DATA_OFFSET + 4, true), 0, 'user_data high half');
    return [
      v.getUint16(at + L.SQE_OPCODE_OFFSET, true),
      v.getUint16(at + L.SQE_FLAGS_OFFSET, true),
      v.getUint32(at + L.SQE_LENGTH_OFFSET, true),
      v.getUint32(at + L.SQE_USER_DATA_OFFSET, true),
      v.getUint32(at + L.SQE_LOCAL_OFFSET_OFFSET, true),
      v.getUint32(at + L.SQE_LOCAL_KEY_OFFSET, true),
      v.getUint32(at + L.SQE_REMOTE_OFFSET_OFFSET, true),
      v.getUint32(at + L.SQE_REMOTE_KEY_OFFSET, true),
    ];
  },
};

const CQ: EntryKind = {
  name: 'completions',
  entryBytes: L.CQE_BYTES,
  fields: fc.tuple(u32, fc.integer({ min: -0x80000000, max: 0x7fffffff }), u32),
  valid: () => true,
  push: (core, local, [userData = 0, result = 0, flags = 0]) =>
    core.cqPush(local, userData, result, flags),
  front: (core, local) => core.cqFront(local),
  read(fx, at) {
    assert.is(fx.u32(at + L.CQE_USER_DATA_OFFSET + 4), 0, 'user_data high half');
    const { core } = fx;
    return [core.cqeUserData(at) >>> 0, core.cqeResult(at), core.cqeFlags(at) >>> 0];
  },
};

/** Reference state: every accepted entry by sequence number, and the ring's counters. */
interface QueueModel {
  entries: number[][];
  published: number;
  consumed: number;
  seenTail: number;
  released: number;
}

interface QueueReal {
  fx: CoreFixture;
  ring: RingPair;
  kind: EntryKind;
}

type QueueCommand = fc.Command<QueueModel, QueueReal>;

function pushCommand(fields: number[]): QueueCommand {
  return {
    check: () => true,
    run(m, { fx, ring, kind }) {
      const status = kind.push(fx.core, ring.producer, fields);
      if (!kind.valid(fields)) return assert.is(status, L.ERR_INVAL, 'invalid entry refused');
      if (m.entries.length - m.released >= ring.capacity) {
        return assert.is(status, L.ERR_AGAIN, 'full queue');
      }
      assert.is(status, 0);
      m.entries.push(fields);
    },
    toString: () => `push(${fields.join(', ')})`,
  };
}

const commit: QueueCommand = {
  check: () => true,
  run(m, { fx, ring }) {
    fx.core.ringCommit(ring.producer);
    m.published = m.entries.length;
  },
  toString: () => 'commit',
};

const front: QueueCommand = {
  check: () => true,
  run(m, { fx, ring, kind }) {
    const status = kind.front(fx.core, ring.consumer);
    if (m.consumed === m.seenTail) m.seenTail = m.published;
    if (m.consumed === m.seenTail) return assert.is(status, L.ERR_AGAIN, 'empty queue');
    assert.ok(status > 0, `front status ${status}`);
    assert.equal(kind.read(fx, status), m.entries[m.consumed], 'oldest entry, intact');
  },
  toString: () => 'front',
};

const advance: QueueCommand = {
  check: () => true,
  run(m, { fx, ring }) {
    const status = fx.core.ringAdvance(ring.consumer);
    assert.is(status, m.consumed === m.seenTail ? L.ERR_AGAIN : 0);
    if (status === 0) m.consumed++;
  },
  toString: () => 'advance',
};

const release: QueueCommand = {
  check: () => true,
  run(m, { fx, ring }) {
    fx.core.ringRelease(ring.consumer);
    m.released = m.consumed;
  },
  toString: () => 'release',
};

const fx = new CoreFixture();
const region = fx.openRing(16, L.SQE_BYTES);

for (const kind of [SQ, CQ]) {
  test(`${kind.name} queue matches a reference queue, ERR_INVAL for bad entries, wraps`, () => {
    const commands = fc.commands(
      [
        kind.fields.map(pushCommand),
        fc.constant(commit),
        fc.constant(front),
        fc.constant(advance),
        fc.constant(release),
      ],
      { maxCommands: 200, size: 'max' },
    );
    const capacityArb = fc.constantFrom(1, 2, 4, 16);
    const property = fc.property(capacityArb, startArb, commands, (capacity, start, cmds) => {
      const ring = fx.reopen(region, start, capacity, kind.entryBytes);
      const model: QueueModel = {
        entries: [],
        published: 0,
        consumed: 0,
        seenTail: 0,
        released: 0,
      };
      fc.modelRun(() => ({ model, real: { fx, ring, kind } }), cmds);
    });
    checkProperty(`${kind.name} model`, property, 200);
  });
}

test('a queue on a ring of the wrong entry size refuses every push and front: ERR_INVAL', () => {
  const ring = fx.reopen(region, 0, 4, 24);
  const { core } = fx;
  assert.is(core.sqPush(ring.producer, L.OP_SEND, 0, 1, 2, 3, 4, 5, 6), L.ERR_INVAL);
  assert.is(core.cqPush(ring.producer, 1, 0, 0), L.ERR_INVAL);
  assert.is(core.sqFront(ring.consumer), L.ERR_INVAL);
  assert.is(core.cqFront(ring.consumer), L.ERR_INVAL);
  const sq = fx.reopen(region, 0, 4, L.SQE_BYTES);
  assert.is(core.cqPush(sq.producer, 1, 0, 0), L.ERR_INVAL, 'a CQE on a work-request ring');
  assert.is(core.sqPush(sq.producer, 0, 0, 0, 0, 0, 0, 0, 0), L.ERR_INVAL, 'opcode 0');
  assert.is(core.sqPush(sq.producer, L.OP_MAX + 1, 0, 0, 0, 0, 0, 0, 0), L.ERR_INVAL);
  assert.is(core.sqFront(sq.consumer), L.ERR_AGAIN, 'refused pushes reserved nothing');
});

test.run();
