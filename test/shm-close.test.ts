// CLS-1..6 on shm between two real processes (the peer is test/helpers/blk-shm-peer.ts):
// graceful end() after pending data, abortive resetAndDestroy(), pending calls completing
// exactly once on destroy() and on the peer's reset, the state a closed peer leaves, calls
// after close, and fds and segment windows back to where they started in both processes.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  forkPeer,
  killPeers,
  resourceCounts,
  stopPeer,
  type PeerProcess,
  type PeerReport,
} from './helpers/blk-shm-process.js';
import { pattern, rejection, within } from './helpers/blk-pair.js';
import {
  closeOf,
  destroyOpened,
  openShm,
  peerClosed,
  peerOutcome,
  sha256,
  sleep,
} from './helpers/blk-shm-sockets.js';

const t = suite('CLS on shm across two processes');

let peer: PeerProcess;
/** The peer's listeners: one reads what arrives, one leaves it unread until told. */
let reading: number;
let holding: number;
/** Resource counts of both processes before the suite's connections. */
let start: { here: { fds: number; windows: number }; peer: PeerReport };

t.before(async () => {
  peer = await forkPeer();
  reading = (await peer.request<{ port: number }>({ op: 'listen' })).port;
  holding = (await peer.request<{ port: number }>({ op: 'listen', hold: true })).port;
  // One connection first, so that what the first connection sets up once is counted.
  const { socket, port } = await openShm(peer, reading);
  socket.destroy();
  await within(2000, closeOf(socket), 'close');
  await peerClosed(peer, port);
  start = { here: resourceCounts(), peer: await peer.request<PeerReport>({ op: 'report' }) };
});

t.after(async () => {
  await destroyOpened();
  await stopPeer(peer);
  killPeers();
});

/** The rejection of `promise`, handled at once; counts its settlements into `tally.n`. */
function counted<T>(promise: Promise<T>, tally: { n: number }): Promise<Error & { code?: string }> {
  return rejection(promise.finally(() => (tally.n += 1)));
}

t('CLS-1: end() after pending data: the peer process gets every byte, then the end', async () => {
  const { socket, port } = await openShm(peer, holding);
  const data = pattern(3 << 20, 11);
  const sent = socket.send(data);
  socket.end();
  await sleep(50);
  assert.is(peer.events.filter((e) => e.port === port && e.event === 'end').length, 0);
  await peer.request({ op: 'resume', port });
  const seen = await peerOutcome(peer, port);
  assert.equal(seen, { event: 'end', port, bytes: data.length, sha256: sha256(data) });
  assert.is(await within(2000, sent, 'send'), data.length);
  socket.resume();
  await within(2000, closeOf(socket), 'close');
});

t(
  'CLS-2: destroy() with nothing in flight is an orderly close: the peer sees the end',
  async () => {
    const { socket, port } = await openShm(peer, reading);
    // Under one slot: sent inline, so none of it waits for the peer's RDMA when we close.
    await socket.send(pattern(4000, 12));
    const started = performance.now();
    socket.destroy();
    await within(500, closeOf(socket), 'close');
    console.log(`  CLS-2: closed in ${(performance.now() - started).toFixed(1)} ms`);
    const seen = await peerOutcome(peer, port);
    assert.equal(seen, { event: 'end', port, bytes: 4000, sha256: sha256(pattern(4000, 12)) });
    await peerClosed(peer, port);
  },
);

t('CLS-3: resetAndDestroy() is abortive: the peer process gets ECONNRESET', async () => {
  const { socket, port } = await openShm(peer, reading);
  socket.resetAndDestroy();
  await within(500, closeOf(socket), 'close');
  assert.equal(await peerOutcome(peer, port), { event: 'error', port, code: 'ECONNRESET' });
  await peerClosed(peer, port);
});

t('CLS-3: pending send and recv complete exactly once with AbortError on destroy()', async () => {
  const { socket, port } = await openShm(peer, holding);
  const tally = { n: 0 };
  // The peer does not read: the 32 MiB send stays pending; nothing arrives for the recv.
  const sending = counted(socket.send(Buffer.alloc(32 << 20)), tally);
  const receiving = counted(socket.recv(100), tally);
  await sleep(20);
  socket.destroy();
  assert.is((await within(1000, sending, 'send')).name, 'AbortError');
  assert.is((await within(1000, receiving, 'recv')).name, 'AbortError');
  await within(1000, closeOf(socket), 'close');
  await sleep(50);
  assert.is(tally.n, 2);
  // The peer had RDMA reads left of the dropped data: it sees a reset, or the end.
  await peer.request({ op: 'resume', port });
  const seen = await peerOutcome(peer, port);
  assert.ok(seen.event === 'end' || seen.code === 'ECONNRESET', JSON.stringify(seen));
  await peerClosed(peer, port);
});

t('CLS-3: pending send and recv fail exactly once with ECONNRESET on the peer reset', async () => {
  const { socket, port } = await openShm(peer, holding);
  const tally = { n: 0 };
  const errors: string[] = [];
  socket.on('error', (err: Error & { code?: string }) => errors.push(err.code ?? '?'));
  const sending = counted(socket.send(Buffer.alloc(32 << 20)), tally);
  const receiving = counted(socket.recv(100), tally);
  await sleep(20);
  await peer.request({ op: 'reset', port });
  assert.is((await within(1000, sending, 'send')).code, 'ECONNRESET');
  assert.is((await within(1000, receiving, 'recv')).code, 'ECONNRESET');
  await within(1000, closeOf(socket), 'close');
  await sleep(50);
  assert.is(tally.n, 2);
  assert.equal(errors, ['ECONNRESET']);
  await peerClosed(peer, port);
});

t('CLS-5: a peer process that closed first leaves its data and end to be read', async () => {
  const { socket, port } = await openShm(peer, reading);
  const errors: string[] = [];
  socket.on('error', (err: Error & { code?: string }) => errors.push(err.code ?? '?'));
  // 48 KiB in 4 KiB writes: inline messages in the segment, no RDMA left for us to do.
  const data = pattern(48 * 1024, 13);
  await peer.request({
    op: 'send',
    port,
    bytes: data.length,
    seed: 13,
    pieceBytes: 4096,
    then: 'destroy',
  });
  await peerClosed(peer, port);
  // The peer is gone; our socket keeps the connection's state until we close it.
  await sleep(300);
  assert.equal(errors, [], 'an orderly close of the peer is no error here');
  const parts: Buffer[] = [];
  for (;;) {
    const chunk = await within(1000, socket.recv(65536), 'recv');
    if (chunk === null) break;
    parts.push(chunk);
  }
  assert.ok(Buffer.concat(parts).equals(data));
  socket.destroy();
  await within(1000, closeOf(socket), 'close');
});

t('CLS-5: after close every call fails at once and cleanly, none hangs', async () => {
  const { socket, port } = await openShm(peer, reading);
  const registered = socket.allocBuffer(4096);
  socket.destroy();
  await within(1000, closeOf(socket), 'close');
  const closed = (e: { code?: string }) => e.code === 'ERR_SOCKET_CLOSED';
  assert.ok(closed(await within(500, rejection(socket.send('x')), 'send')));
  assert.ok(closed(await within(500, rejection(socket.recv(10)), 'recv')));
  // Registrations ended with the connection (CACHE-5): nothing to register or deregister.
  const code = (c: string) => (e: { code?: string }) => e.code === c;
  assert.throws(() => socket.allocBuffer(4096), code('ENOTCONN'));
  assert.throws(() => socket.register(registered), code('ENOTCONN'));
  assert.throws(() => socket.deregister(registered), code('EINVAL'));
  assert.throws(() => socket.freeBuffer(registered), code('EINVAL'));
  socket.on('error', () => {});
  const written = await within(
    500,
    new Promise<Error | null | undefined>((resolve) => socket.write('late', resolve)),
    'write',
  );
  assert.ok(written instanceof Error, 'a write after close fails');
  socket.end();
  socket.destroy();
  await peerOutcome(peer, port);
  await peerClosed(peer, port);
});

t('CLS-6: nothing leaks: fds and segment windows back to the start in both processes', async () => {
  const deadline = Date.now() + 2000;
  let report = await peer.request<PeerReport>({ op: 'report' });
  while (report.open > 0 && Date.now() < deadline) {
    await sleep(50);
    report = await peer.request<PeerReport>({ op: 'report' });
  }
  await sleep(100);
  const here = resourceCounts();
  report = await peer.request<PeerReport>({ op: 'report' });
  console.log(
    `  CLS-6: start ${JSON.stringify(start.here)} / peer ${start.peer.fds} fds ${start.peer.windows} windows; ` +
      `end ${JSON.stringify(here)} / peer ${report.fds} fds ${report.windows} windows`,
  );
  assert.is(report.open, 0);
  assert.ok(report.accepted > start.peer.accepted + 6, 'the suite made its connections');
  // Here at most the start: an earlier suite of the same run may still be closing its own.
  assert.ok(here.fds <= start.here.fds, `fds ${start.here.fds} -> ${here.fds}`);
  assert.ok(here.windows <= start.here.windows, `windows ${start.here.windows} -> ${here.windows}`);
  assert.is(report.fds, start.peer.fds);
  assert.is(report.windows, start.peer.windows);
  // The counts can tell: an open connection shows as one more window in each process.
  const { socket, port } = await openShm(peer, reading);
  const open = await peer.request<PeerReport>({ op: 'report' });
  assert.is(resourceCounts().windows, here.windows + 1);
  assert.is(open.windows, start.peer.windows + 1);
  socket.destroy();
  await within(1000, closeOf(socket), 'close');
  await peerClosed(peer, port);
  assert.is(resourceCounts().windows, here.windows);
});

t.run();
