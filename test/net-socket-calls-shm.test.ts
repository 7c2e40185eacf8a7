// BLK-2..6 on shm between two real processes: the peer (test/helpers/blk-shm-peer.ts) is a
// sanswitch server that blocks its event loop, stops reading (so that its RDMA reads of our
// registered memory stall) and resumes on request. Public API only.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, type Socket } from '../src/index.js';
import {
  forkPeer,
  killPeers,
  stopPeer,
  type PeerProcess,
  type PeerReport,
} from './helpers/blk-shm-process.js';
import { fillReceiveWindow, pattern, rejection, within } from './helpers/blk-pair.js';
import {
  closeOf,
  destroyOpened,
  openShm,
  peerClosed,
  peerOutcome,
  sha256,
  sleep,
} from './helpers/blk-shm-sockets.js';

const t = suite('BLK on shm across two processes');
const CANCELLED = 'ERR_SANSWITCH_CANCELLED';
// Registered memory lives in the connection's 256 KiB bulk half: this leaves room for it.
const REGISTERED_BYTES = 200 * 1024;

let peer: PeerProcess;
/** The peer's listeners: one reads what arrives, one leaves it unread until told. */
let reading: number;
let holding: number;

t.before(async () => {
  peer = await forkPeer();
  reading = (await peer.request<{ port: number }>({ op: 'listen' })).port;
  holding = (await peer.request<{ port: number }>({ op: 'listen', hold: true })).port;
});

t.after(async () => {
  await destroyOpened();
  await stopPeer(peer);
  killPeers();
});

/** Sends seeded bytes then ends; the peer must have received exactly them. */
async function delivered(socket: Socket, port: number, bytes: number, seed: number) {
  const data = pattern(bytes, seed);
  assert.is(await within(3000, socket.send(data), 'send'), bytes);
  socket.end();
  const seen = await peerOutcome(peer, port);
  assert.equal(seen, { event: 'end', port, bytes, sha256: sha256(data) });
  // The peer ends in turn (no half-open); reading its end closes the socket.
  socket.resume();
  await within(2000, closeOf(socket), 'close');
}

/**
 * Lets the registered send queued behind the filler go out. The filler's callback runs once
 * its last piece is announced; the registered send follows when the peer's DONE for that
 * piece frees room, a moment later (the peer takes the whole filler into its receive window
 * first). Cancelled before that, it is simply dropped, which is not what these tests test.
 */
const announced = (): Promise<void> => sleep(100);

/** A socket on which a send to the non-reading peer was cancelled (BLK-4). */
async function cancelledSend(): Promise<{ socket: Socket; port: number }> {
  const { socket, port } = await openShm(peer, holding);
  const controller = new AbortController();
  const sending = socket.send(Buffer.alloc(8 << 20), { signal: controller.signal });
  await sleep(20);
  controller.abort();
  assert.is((await within(1000, rejection(sending), 'cancelled send')).name, 'AbortError');
  return { socket, port };
}

t('BLK-3: send resolves with its length; recv reads what the peer process sends', async () => {
  const { socket, port } = await openShm(peer, reading);
  await peer.request({ op: 'send', port, bytes: 300_000, seed: 4, pieceBytes: 65536 });
  const parts: Buffer[] = [];
  for (let got = 0; got < 300_000;) {
    const chunk = await within(2000, socket.recv(100_000), 'recv');
    assert.ok(chunk);
    parts.push(chunk);
    got += chunk.length;
  }
  assert.ok(Buffer.concat(parts).equals(pattern(300_000, 4)));
  await delivered(socket, port, 200_000, 5);
});

t("BLK-2: a cancelled connect in a busy server's backlog: AbortError, no connection", async () => {
  const before = await peer.request<PeerReport>({ op: 'report' });
  await peer.request({ op: 'block', ms: 1200 });
  const controller = new AbortController();
  const socket = connect({ port: reading, host: '127.0.0.1', signal: controller.signal });
  const failed = new Promise<Error & { code?: string }>((resolve) => socket.once('error', resolve));
  // The request now waits in the kernel's accept queue of the blocked listener.
  await sleep(100);
  assert.ok(socket.connecting, 'still connecting');
  const started = performance.now();
  controller.abort();
  const err = await within(500, failed, 'abort');
  const ms = performance.now() - started;
  assert.is(err.name, 'AbortError');
  assert.is(err.code, 'ABORT_ERR');
  assert.ok(ms < 100, `aborted after ${ms} ms`);
  await peer.event((e) => e.event === 'unblocked', 3000);
  await sleep(300);
  const after = await peer.request<PeerReport>({ op: 'report' });
  assert.is(after.accepted, before.accepted, 'the application never saw the cancelled connect');
  // The server is unharmed: the next connect is accepted and carries data.
  const next = await openShm(peer, reading);
  await delivered(next.socket, next.port, 10_000, 6);
});

t('BLK-4: a cancelled 256 MiB send to a process that does not read rejects in 300 ms', async () => {
  const { socket, port } = await openShm(peer, holding);
  const big = Buffer.alloc(256 << 20, 7);
  const controller = new AbortController();
  const sending = socket.send(big, { signal: controller.signal });
  await sleep(50);
  const started = performance.now();
  controller.abort();
  const err = await within(300, rejection(sending), 'cancelled send');
  const ms = performance.now() - started;
  assert.is(err.name, 'AbortError');
  assert.ok(ms < 300, `rejected after ${ms} ms`);
  const closed = closeOf(socket);
  socket.destroy();
  await within(1000, closed, 'destroy');
  // The peer sees the end (or a reset: it had RDMA reads left), never the dropped rest.
  await peer.request({ op: 'resume', port });
  const seen = await peerOutcome(peer, port);
  assert.ok(seen.event === 'end' || seen.code === 'ECONNRESET', JSON.stringify(seen));
  if (seen.event === 'end') assert.ok((seen.bytes as number) < big.length, `${seen.bytes}`);
  await peerClosed(peer, port);
  // And is otherwise fine.
  const next = await openShm(peer, reading);
  await delivered(next.socket, next.port, 50_000, 8);
});

t(
  'BLK-5: a cancelled registered send waits for the stalled RDMA that completes in time',
  async () => {
    const { socket, port } = await openShm(peer, holding);
    socket.rdmaCancelTimeout = 1000;
    const registered = socket.allocBuffer(REGISTERED_BYTES);
    const { filler, written } = fillReceiveWindow(socket);
    pattern(registered.length, 2).copy(registered);
    const controller = new AbortController();
    let settled = false;
    const sending = socket.send(registered, { signal: controller.signal });
    void sending.then(
      () => (settled = true),
      () => (settled = true),
    );
    await within(5000, written, 'the filler');
    await announced();
    controller.abort();
    await sleep(150);
    assert.not.ok(settled, 'the send waits for the RDMA out of its memory');
    // The peer process reads again, well within rdmaCancelTimeout: its RDMA read completes.
    await peer.request({ op: 'resume', port });
    assert.is(await within(2000, sending, 'send'), registered.length);
    // The connection survives: it carries more data, and the bytes arrived intact.
    assert.is(await within(2000, socket.send('after')), 5);
    socket.end();
    socket.resume();
    const seen = await peerOutcome(peer, port);
    const expected = Buffer.concat([filler, pattern(registered.length, 2), Buffer.from('after')]);
    assert.equal(seen, { event: 'end', port, bytes: expected.length, sha256: sha256(expected) });
    await within(2000, closeOf(socket), 'close');
  },
);

t(
  'BLK-5: an RDMA outlasting rdmaCancelTimeout resets; the peer process gets ECONNRESET',
  async () => {
    const { socket, port } = await openShm(peer, holding);
    socket.rdmaCancelTimeout = 200;
    socket.on('error', () => {});
    const registered = socket.allocBuffer(REGISTERED_BYTES);
    const { written } = fillReceiveWindow(socket);
    const controller = new AbortController();
    const sending = socket.send(registered, { signal: controller.signal });
    const closed = closeOf(socket);
    await within(5000, written, 'the filler');
    await announced();
    const started = performance.now();
    controller.abort();
    const err = await within(2000, rejection(sending), 'cancelled send');
    const waited = performance.now() - started;
    assert.is(err.name, 'AbortError');
    assert.ok(waited >= 190 && waited < 1000, `waited ${waited} ms`);
    const seen = await peerOutcome(peer, port);
    assert.equal(seen, { event: 'error', port, code: 'ECONNRESET' });
    await within(2000, closed, 'close');
    await peerClosed(peer, port);
  },
);

t('BLK-6: after a cancel every call but destroy() fails with ERR_SANSWITCH_CANCELLED', async () => {
  const { socket, port } = await openShm(peer, holding);
  const registered = socket.allocBuffer(4096);
  const controller = new AbortController();
  const sending = socket.send(Buffer.alloc(8 << 20), { signal: controller.signal });
  await sleep(20);
  controller.abort();
  assert.is((await within(1000, rejection(sending))).name, 'AbortError');
  const cancelled = (e: { code?: string }) => e.code === CANCELLED;
  assert.is((await within(1000, rejection(socket.send('x')))).code, CANCELLED);
  assert.is((await within(1000, rejection(socket.recv(10)))).code, CANCELLED);
  assert.throws(() => socket.allocBuffer(4096), cancelled);
  assert.throws(() => socket.register(registered), cancelled);
  assert.throws(() => socket.deregister(registered), cancelled);
  assert.throws(() => socket.freeBuffer(registered), cancelled);
  assert.not.ok(socket.destroyed);
  const closed = closeOf(socket);
  socket.destroy();
  await within(1000, closed, 'destroy');
  await peer.request({ op: 'resume', port });
  const seen = await peerOutcome(peer, port);
  assert.ok(seen.event === 'end' || seen.code === 'ECONNRESET', JSON.stringify(seen));
  await peerClosed(peer, port);
});

t('BLK-6: after a cancel write() and end() fail with ERR_SANSWITCH_CANCELLED', async () => {
  for (const call of ['write', 'end'] as const) {
    const { socket, port } = await cancelledSend();
    const failed = new Promise<{ code?: string }>((resolve) => socket.once('error', resolve));
    const closed = closeOf(socket);
    if (call === 'write') socket.write('more');
    else socket.end();
    assert.is((await within(1000, failed, `${call} error`)).code, CANCELLED, call);
    await within(1000, closed, 'close');
    await peer.request({ op: 'resume', port });
    await peerClosed(peer, port);
  }
});

t.run();
