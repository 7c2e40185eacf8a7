// Every reason a session side stops (the table in src/session/pump.ts) and the peer's action
// that wakes it, one test per row, over SessionConduit pairs in this process whose pumps
// sleep at once (spinMs 0): a wake-up that is never rung leaves the side asleep and the test
// fails on its deadline.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openPair, once, closePair, write } from './helpers/session-pair.js';
import { openWire } from './helpers/session-wire.js';
import { pattern, within } from './helpers/blk-pair.js';
import { ERR_AGAIN, SES_CTL_RING_CAPACITY } from '../src/wasm/layout.generated.js';
import type { SessionConduit } from '../src/session/conduit.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const asleep = { spinMs: 0 };

/** Opens a negotiated pair whose sides sleep as soon as they have nothing to do. */
async function sleepyPair() {
  const pair = openPair(undefined, asleep, asleep);
  await pair.ready;
  return pair;
}

/** Collects `conduit`'s data; `bytes()` is what arrived so far. */
function collect(conduit: SessionConduit): { bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  conduit.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { bytes: () => Buffer.concat(chunks) };
}

/** Writes `data` in 8000-byte writes (DATA messages, each under one slot's payload). */
function writeSmall(conduit: SessionConduit, data: Buffer): Promise<void> {
  for (let at = 0; at + 8000 < data.length; at += 8000) {
    conduit.write(data.subarray(at, at + 8000), () => {});
  }
  return write(conduit, data.subarray(Math.floor((data.length - 1) / 8000) * 8000));
}

/** Resolves once `conduit` has received `length` bytes in all; rejects after `ms`. */
async function received(got: { bytes: () => Buffer }, length: number, ms = 3000): Promise<Buffer> {
  const until = performance.now() + ms;
  while (got.bytes().length < length) {
    if (performance.now() > until) throw new Error(`got ${got.bytes().length} of ${length} bytes`);
    await sleep(5);
  }
  return got.bytes();
}

test('WAIT parked: a commit on the data ring wakes a sleeping receiver', async () => {
  const pair = await sleepyPair();
  const got = collect(pair.connector);
  pair.connector.resume();
  await sleep(30);
  await write(pair.acceptor, Buffer.from('ping'));
  assert.is((await received(got, 4)).toString(), 'ping');
  closePair(pair);
});

test('WAIT bulk: DONEs reach a writer whose own receive side is held (paused, one byte unread)', async () => {
  const pair = await sleepyPair();
  const reader = collect(pair.acceptor);
  pair.acceptor.resume();
  // The connector is paused and holds one unread byte: its data ring is held.
  await write(pair.acceptor, Buffer.from('x'));
  await sleep(30);
  const data = pattern(300_000, 3);
  const written = write(pair.connector, data);
  assert.ok((await received(reader, data.length)).equals(data));
  await within(2000, written, 'the write completes');
  closePair(pair);
});

test('WAIT data credit: the reader that releases slots rings the writer waiting for them', async () => {
  const pair = await sleepyPair();
  const data = pattern(20 * 8000, 4);
  let done = false;
  const written = writeSmall(pair.connector, data).then(() => (done = true));
  await sleep(50);
  assert.not.ok(done, 'more than the ring holds went through a paused reader');
  const reader = collect(pair.acceptor);
  pair.acceptor.resume();
  assert.ok((await received(reader, data.length)).equals(data));
  await within(2000, written, 'the write completes');
  closePair(pair);
});

test('WAIT control credit: a release of the control ring rings the side waiting for room', () => {
  const wire = openWire();
  const { core, a, b } = wire;
  let sent = 0;
  while (core.sesSendDone(a, 1, 1) === 0) sent += 1;
  assert.is(sent, SES_CTL_RING_CAPACITY);
  assert.is(core.sesSendDone(a, 1, 1), ERR_AGAIN);
  core.sesFlush(a);
  assert.is(core.sesWaitControl(a), 0, 'no room: it may sleep');
  const rx = core.sesCtlRxRing(b);
  for (let i = 0; i < sent; i++) assert.ok(core.ringPeek(rx) >= 0);
  assert.is(core.sesRelease(b), 1, 'the release must ring the waiting side');
  assert.is(core.sesSendDone(a, 1, 1), 0);
  assert.is(core.sesRelease(b), 0, 'the wait ended with the credit');
});

test('WAIT held: resume() kicks a receiver that held data while paused', async () => {
  const pair = await sleepyPair();
  const got = collect(pair.connector);
  await write(pair.acceptor, Buffer.from('held'));
  await sleep(50);
  assert.is(got.bytes().length, 0, 'delivered while paused');
  pair.connector.resume();
  assert.is((await received(got, 4)).toString(), 'held');
  closePair(pair);
});

test('WAIT close: a FIN that waits for a credit goes once the reader releases', async () => {
  const pair = await sleepyPair();
  const data = pattern(17 * 8000, 5);
  void writeSmall(pair.connector, data);
  let ended = false;
  pair.connector.end(() => (ended = true));
  await sleep(50);
  assert.not.ok(ended, 'FIN sent without a credit');
  const reader = collect(pair.acceptor);
  const end = once(pair.acceptor, 'end', 3000);
  pair.acceptor.resume();
  await end;
  assert.ok(reader.bytes().equals(data));
  assert.ok(ended, 'the end callback ran');
  closePair(pair);
});

test('WAIT peer died: the hang-up ends the stream once what the peer published is read', async () => {
  const pair = await sleepyPair();
  const got = collect(pair.connector);
  await write(pair.acceptor, Buffer.from('bye'));
  const end = once(pair.connector, 'end', 3000);
  pair.connector.resume();
  pair.connector.peerGone();
  await end;
  assert.is(got.bytes().toString(), 'bye');
  closePair(pair);
});

test('WAIT peer died: data the dead peer never read makes its hang-up a reset', async () => {
  const pair = await sleepyPair();
  await write(pair.connector, Buffer.from('unread'));
  const failed = once<Error & { code?: string }>(pair.connector, 'error', 3000);
  pair.connector.resume();
  pair.connector.peerGone();
  assert.is((await failed).code, 'ECONNRESET');
  closePair(pair);
});

test('WAIT peer died: a large send it never pulled fails after its FIN, not waits forever', async () => {
  const pair = await sleepyPair();
  const ended = once(pair.connector, 'end', 3000);
  pair.acceptor.end(() => {});
  pair.connector.resume();
  await ended;
  let settled: Error | null | undefined;
  pair.connector.write(pattern(100_000, 6), (err) => (settled = err));
  const failed = once<Error & { code?: string }>(pair.connector, 'error', 3000);
  pair.connector.peerGone();
  assert.is((await failed).code, 'ECONNRESET');
  assert.ok(settled !== undefined, 'the write callback ran');
  closePair(pair);
});

test("WAIT peer reset: the peer's RESET flag and ring wake a sleeping side", async () => {
  const pair = await sleepyPair();
  pair.connector.resume();
  await sleep(30);
  const failed = once<Error & { code?: string }>(pair.connector, 'error', 3000);
  pair.acceptor.resetAndDestroy();
  assert.is((await failed).code, 'ECONNRESET');
  closePair(pair);
});

test.run();
