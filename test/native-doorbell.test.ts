// Doorbells: an eventfd watched with uv_poll wakes a parked process across the process
// boundary with no lost wake-ups, and a watcher neither keeps an unref'd process alive nor
// outlives the thread that created it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Worker } from 'node:worker_threads';
import { readdirSync } from 'node:fs';
import { loadNative, type NativeAddon } from '../src/native/addon.js';
import { ProcessCore } from '../src/wasm/process-core.js';
import { exited, killChildren, spawnChild, startChild } from './helpers/native-children.js';
import { Bell, receive, sendJson } from './helpers/native-messages.js';
import { attach, mapSegment, segmentGeometry, SLOT_BYTES } from './helpers/native-rings.js';

const { addon, reason } = loadNative();
const test = suite(`native doorbell${addon ? '' : ` (skipped: ${reason})`}`);
const it = addon ? test : test.skip;

const WARMUP = 100;
const ROUND_TRIPS = 1000;
const ERR_AGAIN = -11;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

/** The parent's side of the ping-pong rings, and the child's doorbell once it sent it. */
interface PingPong {
  core: ProcessCore;
  ping: number;
  pong: number;
  bell: Bell;
  childBell: number;
}

/**
 * One round trip: write `seq` to the ping ring, ring the child only when it is parked, then
 * park on our own doorbell until the echo arrives. Returns whether the child was rung.
 */
async function roundTrip(native: NativeAddon, link: PingPong, seq: number, buffers: number[]) {
  const { core, ping, pong } = link;
  const [src, dst] = buffers as [number, number];
  const data = new DataView(core.memory.buffer);
  data.setUint32(src, seq, true);
  assert.is(core.core.msgWrite(ping, src, 4, 1), 4);
  const rang = core.core.ringCommit(ping) === 1;
  if (rang) assert.is(native.doorbellRing(link.childBell), 0);
  let length: number;
  while ((length = core.core.msgRead(pong, dst, SLOT_BYTES)) === ERR_AGAIN) {
    // A wake-up lost here fails the test by timing out.
    if (core.core.ringPark(pong) === 0) await link.bell.wait(2_000);
    core.core.ringUnpark(pong);
  }
  core.core.ringRelease(pong);
  assert.is(length, 4);
  assert.is(data.getUint32(dst, true), seq, 'the echo of this round trip');
  return rang;
}

it('a parked child is woken through its doorbell on each of 1,000 round trips (no lost wake-ups)', async () => {
  const native = addon!;
  const core = new ProcessCore();
  const { bytes, ringOffset } = segmentGeometry(core, native.constants.PAGE_BYTES, 2);
  const segment = native.segmentCreate(bytes);
  const ownBell = native.doorbellCreate();
  const region = mapSegment(native, core, segment, bytes);
  core.core.ringFormat(region + ringOffset(0));
  core.core.ringFormat(region + ringOffset(1));
  const link: PingPong = {
    core,
    ping: attach(core, region + ringOffset(0)),
    pong: attach(core, region + ringOffset(1)),
    bell: new Bell(native, ownBell),
    childBell: -1,
  };
  const buffers = [core.allocRegion(SLOT_BYTES), core.allocRegion(SLOT_BYTES)];
  const session = await startChild(native, 'echo');
  try {
    sendJson(native, session.accepted.fd, { bytes }, [segment, ownBell]);
    link.childBell = (await receive(native, session.accepted.fd, 15_000, 1)).fds[0] ?? -1;
    assert.is(native.doorbellCheck(link.childBell), 0, 'the child sent an eventfd');
    const micros: number[] = [];
    let rings = 0;
    for (let i = 0; i < WARMUP + ROUND_TRIPS; i++) {
      const start = process.hrtime.bigint();
      const rang = await roundTrip(native, link, i, buffers);
      if (i < WARMUP) continue;
      micros.push(Number(process.hrtime.bigint() - start) / 1000);
      if (rang) rings++;
    }
    micros.sort((a, b) => a - b);
    assert.ok(rings >= ROUND_TRIPS / 10, `the child was parked and rung (${rings} times)`);
    console.log(
      `  doorbell round trip: median ${percentile(micros, 0.5).toFixed(1)} µs, p99 ${percentile(micros, 0.99).toFixed(1)} µs over ${ROUND_TRIPS} (${rings} rang the child, ${link.bell.wakes} wakes here)`,
    );
  } finally {
    link.bell.close();
    session.close();
    killChildren();
    native.unmapWindow(new Uint8Array(core.memory.buffer), region, bytes);
    for (const fd of [segment, ownBell, link.childBell]) if (fd > 2) native.closeFd(fd);
  }
});

it('1,000 doorbell create/watch/ring/close cycles leak no descriptors', async () => {
  const native = addon!;
  const before = readdirSync('/proc/self/fd').length;
  for (let i = 0; i < 1000; i++) {
    const fd = native.doorbellCreate();
    const bell = new Bell(native, fd);
    const woken = bell.wait(2_000);
    native.doorbellRing(fd);
    await woken;
    bell.close();
    assert.is(native.closeFd(fd), 0);
  }
  assert.is(readdirSync('/proc/self/fd').length, before);
});

it('rings before the watcher runs coalesce into one callback that resets the counter', async () => {
  const native = addon!;
  const fd = native.doorbellCreate();
  const bell = new Bell(native, fd);
  try {
    const woken = bell.wait(2_000);
    for (let i = 0; i < 5; i++) assert.is(native.doorbellRing(fd), 0);
    await woken;
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.is(bell.wakes, 1);
  } finally {
    bell.close();
    native.closeFd(fd);
  }
});

it('a closed watcher is never called again, and close, ref and unref stay harmless after it', async () => {
  const native = addon!;
  const fd = native.doorbellCreate();
  let calls = 0;
  const watcher = native.doorbellWatch(fd, () => calls++);
  assert.ok(typeof watcher !== 'number');
  assert.ok(watcher.hasRef());
  assert.is(watcher.unref(), watcher);
  assert.not.ok(watcher.hasRef());
  watcher.ref();
  watcher.close();
  watcher.close();
  watcher.unref().ref();
  assert.not.ok(watcher.hasRef());
  native.doorbellRing(fd);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.is(calls, 0);
  native.closeFd(fd);
});

it("an unref'd watcher lets its process exit; a ref'd one keeps it alive", async () => {
  const unref = spawnChild('watch-unref');
  const ref = spawnChild('watch-ref');
  try {
    assert.is(await exited(unref, 15_000), 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.is(ref.exitCode, null, "the ref'd watcher keeps its process running");
  } finally {
    killChildren();
  }
});

/** Worker code that leaves a window and watchers open; `keepAlive` leaves one ref'd. */
function workerCode(keepAlive: boolean): string {
  const addonPath = new URL('../native/build/Release/sanswitch.node', import.meta.url).pathname;
  return `
    const { parentPort } = require('node:worker_threads');
    const native = require(${JSON.stringify(addonPath)});
    const memory = new WebAssembly.Memory({ initial: 32, maximum: 64, shared: true });
    const segment = native.segmentCreate(4096);
    native.mapWindow(new Uint8Array(memory.buffer), 1 << 20, 4096, segment, 0);
    const bell = native.doorbellCreate();
    const watcher = native.doorbellWatch(bell, () => {});
    if (!${keepAlive}) watcher.unref();
    native.doorbellWatch(native.doorbellCreate(), () => {}).unref();
    native.doorbellRing(bell);
    parentPort.postMessage('ready');
  `;
}

/** `promise`, or a rejection naming `what` after `ms`; the timer never outlives it. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(what)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

it('worker threads that end with watchers and a window still open are cleaned up without a crash', async () => {
  const natural = new Worker(workerCode(false), { eval: true });
  assert.is(
    await within(
      new Promise((resolve) => natural.once('exit', resolve)),
      5_000,
      "unref'd worker did not exit",
    ),
    0,
  );
  const stopped = new Worker(workerCode(true), { eval: true });
  await within(
    new Promise((resolve) => stopped.once('message', resolve)),
    5_000,
    'worker did not start',
  );
  assert.is(await within(stopped.terminate(), 5_000, 'worker did not stop'), 1);
});

test.run();
