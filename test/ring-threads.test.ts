// Two threads on one shared WebAssembly.Memory, each with its own core instance: 10 million
// 64-byte messages through a message ring with batched commits and releases, checked by
// sequence and checksum; and a length field rewritten by another thread during msgRead.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CoreFixture } from './helpers/core-fixture.js';
import { runWorker } from './helpers/ring-spawn.js';
import { coreModule, createCoreMemory } from '../src/wasm/core.js';
import * as L from '../src/wasm/layout.generated.js';
import type { RingWorkerData, RingWorkerResult } from './helpers/ring-worker.js';
import type { FlipperData } from './helpers/ring-flipper.js';

/** Messages through the ring; RING_THREADS_MESSAGES overrides it for a quick local run. */
const MESSAGES = Number(process.env.RING_THREADS_MESSAGES ?? 10_000_000);
const RING_WORKER = new URL('./helpers/ring-worker.ts', import.meta.url);
const FLIPPER = new URL('./helpers/ring-flipper.ts', import.meta.url);

test('10M 64-byte messages between two threads arrive in order with equal checksums', async () => {
  const fx = new CoreFixture(createCoreMemory(64));
  const ring = fx.openRing(1024, 64 + L.MSG_HEADER_BYTES, 0xffffff00);
  const common = { memory: fx.memory, module: coreModule(), count: MESSAGES, stallMs: 10_000 };
  const producer: RingWorkerData = {
    ...common,
    role: 'producer',
    local: ring.producer,
    buffer: fx.pc.allocRegion(64),
    batch: 32,
  };
  const consumer: RingWorkerData = {
    ...common,
    role: 'consumer',
    local: ring.consumer,
    buffer: fx.pc.allocRegion(64),
    batch: 32,
  };
  const started = performance.now();
  const [sent, received] = await Promise.all([
    runWorker<RingWorkerResult>(RING_WORKER, producer),
    runWorker<RingWorkerResult>(RING_WORKER, consumer),
  ]);
  const seconds = (performance.now() - started) / 1000;
  assert.is(sent.error, undefined, sent.error);
  assert.is(received.error, undefined, received.error);
  assert.is(received.count, MESSAGES);
  assert.is(received.checksum, sent.checksum, 'payload checksum');
  assert.is(fx.tail(ring), (0xffffff00 + MESSAGES) >>> 0, 'cursors crossed 2^32');
  assert.is(fx.head(ring), fx.tail(ring), 'everything released');
  // Wall time includes starting both workers (tsx, compiling); the slower worker's own time
  // is the transfer itself.
  const transfer = Math.max(sent.ms, received.ms) / 1000;
  console.log(
    `ring-threads: ${MESSAGES} messages in ${seconds.toFixed(2)} s wall, ` +
      `${transfer.toFixed(2)} s in the workers (${(MESSAGES / transfer / 1e6).toFixed(2)} M msg/s)`,
  );
});

test('msgRead copies exactly the honest length or nothing while another thread rewrites it', async () => {
  const fx = new CoreFixture();
  const ring = fx.openRing(1, 72);
  const scratch = fx.pc.allocRegion(4096);
  const dst = scratch + 1024;
  const stopAddress = scratch + 2048;
  const write = (): void => {
    assert.is(fx.core.msgWrite(ring.producer, scratch, 8, 0), 8);
    fx.core.ringCommit(ring.producer);
  };
  fx.bytes().fill(0x11, scratch, scratch + 8);
  write();
  const flipper: FlipperData = {
    memory: fx.memory,
    lengthAddress: ring.shared + L.RING_HEADER_BYTES + L.MSG_LENGTH_OFFSET,
    honestLength: 8,
    stopAddress,
  };
  const flips = runWorker<number>(FLIPPER, flipper);
  const outcomes = { copied: 0, refused: 0 };
  const deadline = performance.now() + 3000;
  const bytes = fx.bytes();
  while (performance.now() < deadline && (outcomes.copied < 2000 || outcomes.refused < 2000)) {
    bytes.fill(0xee, dst, dst + 128);
    const status = fx.core.msgRead(ring.consumer, dst, 64);
    const copied = status === 8 ? 8 : 0;
    if (status !== 8 && status !== L.ERR_PROTO) assert.unreachable(`msgRead returned ${status}`);
    if (!bytes.subarray(dst + copied, dst + 128).every((b) => b === 0xee)) {
      assert.unreachable(`msgRead wrote past the ${copied} bytes it returned`);
    }
    if (status === 8) {
      outcomes.copied++;
      fx.core.ringRelease(ring.consumer);
      write();
    } else {
      outcomes.refused++;
    }
  }
  Atomics.store(new Int32Array(fx.memory.buffer), stopAddress >>> 2, 1);
  assert.ok((await flips) > 0, 'the flipper ran');
  assert.ok(
    outcomes.copied > 0 && outcomes.refused > 0,
    `both outcomes: ${JSON.stringify(outcomes)}`,
  );
});

test.run();
