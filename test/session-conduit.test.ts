// SessionConduit pairs over one segment in this process: echo, order, large transfers across
// the threshold both ways (read- and write-based rendezvous), which path a write takes on
// either side of the threshold (SES-8, SES-12), half-close, reset, pause backpressure, and
// no CPU while idle.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { openPair, readAll, write, once, closePair, testCore } from './helpers/session-pair.js';
import { SessionConduit } from '../src/session/conduit.js';
import {
  DEFAULT_GEOMETRY,
  formatSegment,
  maxPayload,
  rndvFirstBytes,
  segmentBytes,
  type SessionGeometry,
} from '../src/session/geometry.js';

test('SES-2/3: both sides negotiate, then echo works', async () => {
  const pair = openPair();
  await pair.ready;
  pair.acceptor.on('data', (chunk: Buffer) => pair.acceptor.write(chunk, () => {}));
  pair.acceptor.resume();
  const got = once<Buffer>(pair.connector, 'data');
  pair.connector.resume();
  await write(pair.connector, Buffer.from('hello'));
  assert.is((await got).toString(), 'hello');
  closePair(pair);
});

test('CON-6: a connector is negotiated only once the acceptor NEGOTIATE is in the segment', async () => {
  const pc = testCore();
  const segment = pc.allocRegion(segmentBytes(pc.core, DEFAULT_GEOMETRY));
  formatSegment(pc.core, segment, DEFAULT_GEOMETRY);
  const base = { core: pc, segment, geometry: DEFAULT_GEOMETRY, doorbell: { ring: () => {} } };
  const connector = new SessionConduit({ ...base, role: 'connector' });
  let negotiated = false;
  connector.once('negotiated', () => (negotiated = true));
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.not.ok(negotiated, 'negotiated with nobody on the other side');
  const acceptor = new SessionConduit({ ...base, role: 'acceptor' });
  connector.wake();
  await once(connector, 'negotiated');
  connector.destroy();
  acceptor.destroy();
  pc.freeRegion(segment, segmentBytes(pc.core, DEFAULT_GEOMETRY));
});

test('SES-8: writes before negotiation are queued and arrive in order', async () => {
  const pair = openPair();
  const all = readAll(pair.acceptor);
  for (let i = 0; i < 100; i++) pair.connector.write(Buffer.from(`${i},`), () => {});
  pair.connector.end(() => {});
  const text = (await all).toString();
  assert.is(text, Array.from({ length: 100 }, (_, i) => `${i},`).join(''));
  closePair(pair);
});

// Seeded sizes: from 1 byte to a few bulk halves, crossing the threshold both ways.
function* sizes(seed: number, total: number): Generator<number> {
  let state = seed >>> 0;
  let sent = 0;
  while (sent < total) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const pick = state % 4;
    const size = [1 + (state % 100), 8000 + (state % 400), 65536, 1 + (state % 1_200_000)][pick]!;
    const n = Math.min(size, total - sent);
    sent += n;
    yield n;
  }
}

async function transfer(rdmaRead: boolean, total: number, seed: number): Promise<void> {
  const pair = openPair(undefined, { rdmaRead }, { rdmaRead });
  const source = Buffer.alloc(1 << 21);
  for (let i = 0; i < source.length; i++) source[i] = (i * 31 + (i >>> 11)) & 0xff;
  const sent = createHash('sha256');
  const received = createHash('sha256');
  let bytes = 0;
  pair.acceptor.on('data', (chunk: Buffer) => {
    received.update(chunk);
    bytes += chunk.length;
  });
  const ended = once(pair.acceptor, 'end', 30_000);
  pair.acceptor.resume();
  let offset = 0;
  for (const n of sizes(seed, total)) {
    const start = offset % (source.length - n);
    const chunk = Buffer.from(source.subarray(start, start + n));
    sent.update(chunk);
    offset += n * 7 + 1;
    await write(pair.connector, chunk);
  }
  pair.connector.end(() => {});
  await ended;
  assert.is(bytes, total);
  assert.is(received.digest('hex'), sent.digest('hex'));
  closePair(pair);
}

test('SES-9a: 64 MiB of mixed writes, read-based rendezvous, checksum', async () => {
  await transfer(true, 64 << 20, 1);
});

test('SES-9b: 16 MiB of mixed writes, write-based rendezvous, checksum', async () => {
  await transfer(false, 16 << 20, 2);
});

test('SES-12: the threshold is settable per conduit (all rendezvous above 100 B)', async () => {
  const pair = openPair(undefined, { threshold: 100 });
  const all = readAll(pair.acceptor);
  const chunk = Buffer.alloc(300_000, 7);
  await write(pair.connector, chunk);
  pair.connector.end(() => {});
  assert.ok((await all).equals(chunk));
  closePair(pair);
});

// A segment with no bulk area: a write can only go as DATA, and one that takes the
// rendezvous path fails with ENOBUFS (SES-10), so each write's outcome shows its path.
// One slot carries 1016 payload bytes; an RNDV carries 1008 in its message.
const NO_BULK: SessionGeometry = { capacity: 8, slotBytes: 1024, entries: 4, halfBytes: 0 };

/** Writes `bytes` bytes of `fill`: resolves `ok` with the bytes, or the error's code. */
async function attempt(conduit: SessionConduit, bytes: number, fill: number) {
  const chunk = Buffer.alloc(bytes, fill);
  return write(conduit, chunk).then(
    () => ({ code: 'ok', chunk }),
    (err: NodeJS.ErrnoException) => ({ code: err.code ?? err.message, chunk }),
  );
}

test('SES-8: writes up to the threshold, a full slot included, go as DATA (no bulk needed)', async () => {
  const pair = openPair(NO_BULK);
  try {
    await pair.ready;
    const all = readAll(pair.acceptor);
    const threshold = maxPayload(NO_BULK);
    const sent: Buffer[] = [];
    const sizes = [1, 100, rndvFirstBytes(NO_BULK) + 1, threshold - 1, threshold];
    for (const [i, bytes] of sizes.entries()) {
      const { code, chunk } = await attempt(pair.connector, bytes, i + 1);
      assert.is(code, 'ok', `a ${bytes}-byte write took the rendezvous path`);
      sent.push(chunk);
    }
    // One byte more takes the rendezvous path, which this segment cannot hold.
    assert.is((await attempt(pair.connector, threshold + 1, 0xee)).code, 'ENOBUFS');
    pair.connector.end(() => {});
    assert.ok((await all).equals(Buffer.concat(sent)));
  } finally {
    closePair(pair);
  }
});

test('SES-12: setThreshold() moves the rendezvous boundary, up and down, per conduit', async () => {
  const pair = openPair(NO_BULK, { threshold: 4096 });
  try {
    await pair.ready;
    const all = readAll(pair.acceptor);
    const sent: Buffer[] = [];
    // Raised at construction: 3000 bytes go as DATA (three slots); above 4096, rendezvous.
    const raised = await attempt(pair.connector, 3000, 1);
    assert.is(raised.code, 'ok', 'a write under the raised threshold took the rendezvous path');
    sent.push(raised.chunk);
    assert.is((await attempt(pair.connector, 4097, 0xee)).code, 'ENOBUFS');
    // Lowered on the live conduit: a full slot, DATA by default, now takes the rendezvous path.
    pair.connector.setThreshold(rndvFirstBytes(NO_BULK));
    assert.is((await attempt(pair.connector, maxPayload(NO_BULK), 0xee)).code, 'ENOBUFS');
    // Raised again: 2000 bytes go as DATA; the acceptor keeps its own (default) threshold.
    pair.connector.setThreshold(2048);
    const again = await attempt(pair.connector, 2000, 2);
    assert.is(again.code, 'ok', 'a write under the raised threshold took the rendezvous path');
    sent.push(again.chunk);
    assert.is((await attempt(pair.acceptor, 2000, 0xee)).code, 'ENOBUFS');
    pair.connector.end(() => {});
    assert.ok((await all).equals(Buffer.concat(sent)));
  } finally {
    closePair(pair);
  }
});

test('SES-9: a large transfer lands in the receive buffer posted before it, one view of it', async () => {
  const pair = openPair();
  await pair.ready;
  const data = Buffer.alloc(300_000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff;
  const target = Buffer.alloc(1 << 20);
  pair.acceptor.postReceive(target);
  const all = readAll(pair.acceptor);
  const first = once<Buffer>(pair.acceptor, 'data');
  await write(pair.connector, data);
  pair.connector.end(() => {});
  const chunk = await first;
  assert.ok(chunk.buffer === target.buffer && chunk.byteOffset === target.byteOffset);
  assert.ok(chunk.equals(data.subarray(0, chunk.length)), 'the bytes landed in place');
  assert.ok((await all).equals(data));
  closePair(pair);
});

test('SES-9a: a pulled rendezvous uses up the posted buffer; what follows never lands in it', async () => {
  // The acceptor's doorbell pulls the rest as fabric's does, completing on a later turn (in
  // one process the bytes are in the segment already: only the wait is simulated).
  const peer: { connector?: SessionConduit } = {};
  const pulls: number[] = [];
  const doorbell = {
    ring: () => setImmediate(() => peer.connector?.wake()),
    fetch: (_address: number, length: number, done: (landed: boolean) => void) => {
      pulls.push(length);
      setImmediate(() => done(true));
    },
  };
  const pair = openPair(DEFAULT_GEOMETRY, {}, { doorbell });
  peer.connector = pair.connector;
  await pair.ready;
  const parts = [Buffer.alloc(48 * 1024, 1), Buffer.alloc(9, 2), Buffer.alloc(3, 3)];
  const target = Buffer.alloc(64 * 1024);
  pair.acceptor.postReceive(target);
  const chunks: Buffer[] = [];
  pair.acceptor.on('data', (chunk: Buffer) => chunks.push(chunk));
  pair.acceptor.resume();
  for (const part of parts) pair.connector.write(part, () => {});
  const expected = Buffer.concat(parts);
  while (chunks.reduce((n, c) => n + c.length, 0) < expected.length) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.is(pulls.length, 1, 'the rest was pulled');
  assert.not.ok(chunks[0]?.buffer === target.buffer, 'the pulled send came in its own buffer');
  // The posted buffer was meant for the first bytes after the post, which went elsewhere:
  // the receive it served copies them into it, so nothing later may land there.
  for (const chunk of chunks.slice(1)) assert.not.ok(chunk.buffer === target.buffer);
  assert.ok(Buffer.concat(chunks).equals(expected));
  closePair(pair);
});

test('CLS-1: end() half-closes; the other direction still works', async () => {
  const pair = openPair();
  await pair.ready;
  const ended = once(pair.acceptor, 'end');
  pair.acceptor.resume();
  pair.connector.end(() => {});
  await ended;
  const back = readAll(pair.connector);
  await write(pair.acceptor, Buffer.from('after fin'));
  pair.acceptor.end(() => {});
  assert.is((await back).toString(), 'after fin');
  closePair(pair);
});

test('CLS-1: end() calls back only after the peer pulled every rendezvous piece', async () => {
  const pair = openPair();
  await pair.ready;
  const chunk = Buffer.alloc(300_000, 9);
  pair.connector.write(chunk, () => {});
  // The reader is still paused: FIN, and so the end callback, waits for its DONEs.
  const finished = new Promise<void>((resolve) => pair.connector.end(resolve));
  let early = true;
  void finished.then(() => (early = false));
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(early, 'end() called back while the peer had data left to pull');
  const all = readAll(pair.acceptor);
  await finished;
  // As a Duplex does after 'finish' and 'end': a close now is orderly, nothing is lost.
  pair.connector.destroy();
  assert.ok((await all).equals(chunk));
  pair.acceptor.destroy();
});

test('CLS-3: resetAndDestroy() gives the peer ECONNRESET, then close', async () => {
  const pair = openPair();
  await pair.ready;
  pair.acceptor.resume();
  const error = once<NodeJS.ErrnoException>(pair.acceptor, 'error');
  const closed = once(pair.acceptor, 'close');
  pair.connector.resetAndDestroy();
  assert.is((await error).code, 'ECONNRESET');
  await closed;
});

test('SES-4: pause() stops releasing slots, so the writer stalls until resume()', async () => {
  const pair = openPair();
  await pair.ready;
  let completed = 0;
  const chunk = Buffer.alloc(4096, 1);
  for (let i = 0; i < 2000; i++) pair.connector.write(chunk, () => (completed += 1));
  await new Promise((resolve) => setTimeout(resolve, 100));
  const stalled = completed;
  assert.ok(stalled < 2000, `writer should stall, completed ${stalled}`);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.is(completed, stalled, 'no callbacks while the reader is paused');
  let received = 0;
  pair.acceptor.on('data', (data: Buffer) => (received += data.length));
  pair.acceptor.resume();
  const deadline = Date.now() + 5000;
  while (received < 2000 * 4096 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.is(received, 2000 * 4096);
  assert.is(completed, 2000);
  closePair(pair);
});

test('idle: a negotiated, parked pair uses no CPU for 1 s', async () => {
  const pair = openPair();
  await pair.ready;
  pair.connector.resume();
  pair.acceptor.resume();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const before = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const used = process.cpuUsage(before);
  const ms = (used.user + used.system) / 1000;
  assert.ok(ms < 50, `idle pair used ${ms} ms of CPU in 1 s`);
  closePair(pair);
});

test.run();
