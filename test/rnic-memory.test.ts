// The soft RNIC's memory registration and RDMA work requests: keys, bounds, access flags
// (MEM-3, MEM-4, MEM-6) and completions through the SQE/CQE queues.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openWire, type Wire } from './helpers/session-wire.js';
import {
  ERR_ACCES,
  ERR_INVAL,
  ERR_NOBUFS,
  ERR_NOTCONN,
  ERR_PROTO,
  MEM_READ,
  MEM_WRITE,
  OP_RDMA_READ,
  OP_RDMA_WRITE,
  OP_SEND,
} from '../src/wasm/layout.generated.js';

// Runs one work request on the acceptor's RNIC and returns the completion's result.
function post(
  w: Wire,
  op: number,
  length: number,
  localKey: number,
  remoteKey: number,
  remoteOffset = 0,
): number {
  const { core, b } = w;
  assert.is(core.sqPush(core.sesSq(b), op, 0, length, 7, 0, localKey, remoteOffset, remoteKey), 0);
  core.ringCommit(core.sesSq(b));
  assert.is(core.rnicExecute(core.sesRnic(b), core.sesRnicSq(b), core.sesRnicCq(b)), 1);
  const cqe = core.cqFront(core.sesCq(b));
  assert.ok(cqe > 0);
  assert.is(core.cqeUserData(cqe), 7);
  const result = core.cqeResult(cqe);
  core.ringAdvance(core.sesCq(b));
  core.ringRelease(core.sesCq(b));
  return result;
}

test('MEM-1/MEM-2: RDMA READ and WRITE copy between registered regions', () => {
  const w = openWire();
  const bytes = new Uint8Array(w.pc.memory.buffer);
  bytes.fill(0x5a, w.halfA, w.halfA + 1000);
  const remote = w.core.memRegister(w.core.sesRnic(w.a), w.halfA, 1000, MEM_READ | MEM_WRITE, 1);
  const local = w.core.memRegister(w.core.sesRnic(w.b), w.halfB, 1000, MEM_READ | MEM_WRITE, 0);
  assert.is(post(w, OP_RDMA_READ, 1000, local, remote), 1000);
  assert.is(bytes[w.halfB + 999], 0x5a);
  bytes.fill(0x33, w.halfB, w.halfB + 10);
  assert.is(post(w, OP_RDMA_WRITE, 10, local, remote, 990), 10);
  assert.is(bytes[w.halfA + 995], 0x33);
  assert.is(bytes[w.halfA + 989], 0x5a);
});

test('MEM-4: READ-only refuses writes, WRITE-only refuses reads', () => {
  const w = openWire();
  const readOnly = w.core.memRegister(w.core.sesRnic(w.a), w.halfA, 100, MEM_READ, 1);
  const writeOnly = w.core.memRegister(w.core.sesRnic(w.a), w.halfA + 128, 100, MEM_WRITE, 1);
  const local = w.core.memRegister(w.core.sesRnic(w.b), w.halfB, 100, MEM_READ | MEM_WRITE, 0);
  assert.is(post(w, OP_RDMA_WRITE, 10, local, readOnly), ERR_ACCES);
  assert.is(post(w, OP_RDMA_READ, 10, local, writeOnly), ERR_ACCES);
  const localReadOnly = w.core.memRegister(w.core.sesRnic(w.b), w.halfB, 100, MEM_READ, 0);
  assert.is(post(w, OP_RDMA_READ, 10, localReadOnly, readOnly), ERR_ACCES);
});

test('MEM-3: keys, bounds and deregistration are checked', () => {
  const w = openWire();
  const remote = w.core.memRegister(w.core.sesRnic(w.a), w.halfA, 100, MEM_READ, 1);
  const local = w.core.memRegister(w.core.sesRnic(w.b), w.halfB, 200, MEM_WRITE, 0);
  assert.is(post(w, OP_RDMA_READ, 101, local, remote), ERR_PROTO, 'beyond the region');
  assert.is(post(w, OP_RDMA_READ, 10, local, remote, 95), ERR_PROTO, 'offset + length beyond');
  assert.is(post(w, OP_RDMA_READ, 10, local, remote ^ 0x100), ERR_PROTO, 'stale generation');
  assert.is(post(w, OP_RDMA_READ, 10, local + 0x100, remote), ERR_INVAL, 'unknown local key');
  assert.is(post(w, OP_SEND, 10, local, remote), ERR_INVAL, 'SEND is not on this queue');
  assert.is(w.core.memDeregister(w.core.sesRnic(w.a), remote), 0);
  assert.is(w.core.memDeregister(w.core.sesRnic(w.a), remote), ERR_INVAL, 'MEM-6');
  assert.is(post(w, OP_RDMA_READ, 10, local, remote), ERR_PROTO, 'after deregistration');
});

test('MEM-3: nothing is reachable once the connection is down', () => {
  const w = openWire();
  const remote = w.core.memRegister(w.core.sesRnic(w.a), w.halfA, 100, MEM_READ, 1);
  const local = w.core.memRegister(w.core.sesRnic(w.b), w.halfB, 100, MEM_WRITE, 0);
  w.core.sesClose(w.a);
  assert.is(post(w, OP_RDMA_READ, 10, local, remote), ERR_PROTO, 'peer withdrew its regions');
  w.core.sesClose(w.b);
  assert.is(post(w, OP_RDMA_READ, 10, local, remote), ERR_NOTCONN);
  assert.is(w.core.memRegister(w.core.sesRnic(w.b), w.halfB, 10, MEM_READ, 0), ERR_NOTCONN);
});

test('MEM-6/SES-10: bad flags, out-of-half remote regions, a full table', () => {
  const w = openWire();
  const rnic = w.core.sesRnic(w.a);
  assert.is(w.core.memRegister(rnic, w.halfA, 10, 0, 1), ERR_INVAL);
  assert.is(w.core.memRegister(rnic, w.halfA, 10, 4, 1), ERR_INVAL);
  assert.is(w.core.memRegister(rnic, w.halfB, 10, MEM_READ, 1), ERR_INVAL, "peer's half");
  for (let i = 0; i < 16; i++) assert.ok(w.core.memRegister(rnic, w.halfA, 10, MEM_READ, 1) > 0);
  assert.is(w.core.memRegister(rnic, w.halfA, 10, MEM_READ, 1), ERR_NOBUFS);
});

test.run();
