// DATA: the shm data path between real processes (the peers are test/helpers/datapath-peer.ts
// and datapath-exit.ts), each scenario one that node:net handles: echo and proxy round trips,
// a paused socket's writes, mutual sends, end() right before exit or SIGKILL, registered
// buffers behind a queued write, many tiny writes, sockets that never read, process exit, a
// peer forging a ring cursor, and small node:net details. Every wait is bounded.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Socket } from '../src/index.js';
import { forkListening, forkPeer, killPeers, type Peer } from './helpers/datapath-process.js';
import {
  cleanup,
  listenHere,
  openShm,
  peerEnd,
  receive,
  settle,
} from './helpers/datapath-sockets.js';
import { pattern, within } from './helpers/blk-pair.js';
import { closeOf, sha256, sleep } from './helpers/blk-shm-sockets.js';

const t = suite('DATA: the shm data path across two processes');
const MIB = 1 << 20;
const EXIT_SCRIPT = fileURLToPath(new URL('./helpers/datapath-exit.ts', import.meta.url));
type Mode = 'echo' | 'idle' | 'read' | 'greet';

/** The peer most tests share, and its listeners by mode. */
let peer: Peer;
const ports = {} as Record<Mode, number>;

t.before(async () => {
  peer = await forkPeer();
  for (const mode of ['echo', 'idle', 'read', 'greet'] as const) {
    ports[mode] = (await peer.request<{ port: number }>({ op: 'listen', mode })).port;
  }
});

t.after.each(async () => {
  await cleanup();
  killPeers([peer]);
  await peer.request({ op: 'drop' }).catch(() => {});
});

t.after(() => killPeers());

const codeIs =
  (...codes: string[]) =>
  (err: Error & { code?: string }) =>
    codes.includes(err.code ?? '');

t('DATA: an echo peer (socket.pipe(socket)) returns a 2 MiB write byte-exact', async () => {
  const { socket } = await openShm(peer, ports.echo);
  const data = pattern(2 * MIB, 1);
  const echoed = receive(socket).first(data.length, 10_000, 'the echo');
  socket.write(data);
  assert.ok((await echoed).equals(data), 'the echo differs from what was written');
});

t('DATA: through a proxy process to an echo process, 2 MiB come back byte-exact', async () => {
  const [proxy, port] = await forkListening('proxy', ports.echo);
  const { socket, accepted } = await openShm(proxy, port);
  assert.is(accepted.onward, 'shm', "the proxy's onward connection runs over shm");
  const far = await peer.event(
    (e) => e.event === 'connection' && e.remotePort === accepted.onwardPort,
    "the echo's end of the onward connection",
  );
  assert.is(far.transport, 'shm');
  const data = pattern(2 * MIB, 2);
  const echoed = receive(socket).first(data.length, 10_000, 'the round trip');
  socket.write(data);
  assert.ok((await echoed).equals(data), 'the round trip differs from what was written');
});

t('DATA: a paused socket with one unread byte gets all of a 300,000-byte write out', async () => {
  const { socket, id } = await openShm(peer, ports.read);
  socket.pause();
  await peer.request({ op: 'send', id, bytes: 1, seed: 3 });
  await peer.event((e) => e.event === 'written' && e.id === id, 'the one byte written');
  await sleep(50);
  const data = pattern(300_000, 31);
  socket.end(data);
  const seen = await peerEnd(peer, id, 5000, 'the 300,000 bytes, socket paused');
  assert.equal(seen, { bytes: data.length, sha256: sha256(data) });
});

t('DATA: both ends await send(1 MiB) before recv(): both resolve, all arrives', async () => {
  const { socket, id } = await openShm(peer, ports.idle);
  const ours = pattern(MIB, 41);
  await peer.request({ op: 'mutual', id, bytes: MIB, seed: 42 });
  await Promise.all([
    within(5000, socket.send(ours), 'our send(1 MiB) before any recv()'),
    peer.event((e) => e.event === 'sendDone' && e.id === id, "the peer's send(1 MiB)"),
  ]);
  const parts: Buffer[] = [];
  for (let got = 0; got < MIB;) {
    const chunk = await within(3000, socket.recv(MIB - got), `recv() after ${got} bytes`);
    if (chunk === null) break;
    parts.push(chunk);
    got += chunk.length;
  }
  assert.ok(Buffer.concat(parts).equals(pattern(MIB, 42)), 'what recv() returned');
  const theirs = await peer.event((e) => e.event === 'received' && e.id === id, "the peer's recv");
  assert.is(theirs.sha256, sha256(ours));
});

t('DATA: end(data); process.exit() in the peer: every byte, then end, no ECONNRESET', async () => {
  for (const bytes of [100_000, 100]) {
    const [exiting, port] = await forkListening('idle');
    const { socket, id } = await openShm(exiting, port);
    const received = receive(socket);
    exiting.post({ op: 'endExit', id, bytes, seed: 5 });
    await within(3000, exiting.exited, 'the peer exit');
    const data = await received.end(3000, `end(${bytes} bytes); process.exit()`);
    assert.ok(data.equals(pattern(bytes, 5)), `${bytes} bytes expected, other bytes came`);
  }
});

t('DATA: end() after 9,000 bytes, SIGKILL, then the paused reader gets them and end', async () => {
  const [writer, port] = await forkListening('idle');
  const { socket, id } = await openShm(writer, port);
  socket.pause();
  await writer.request({ op: 'send', id, bytes: 9000, seed: 6, then: 'end' });
  await writer.event((e) => e.event === 'written' && e.id === id, 'the write callback');
  await sleep(100);
  writer.child.kill('SIGKILL');
  await within(2000, writer.exited, 'the SIGKILL');
  const data = await receive(socket).end(3000, 'reading after the kill');
  assert.ok(data.equals(pattern(9000, 6)), '9,000 bytes expected, other bytes came');
});

t('DATA: a queued registered send: deregister, freeBuffer refuse; bytes intact', async () => {
  const { socket, id } = await openShm(peer, ports.idle);
  const registered = socket.allocBuffer(64 * 1024);
  pattern(registered.length, 71).copy(registered);
  const original = Buffer.from(registered);
  // More than the peer's receive window, the bulk half and the ring hold together: the
  // registered send waits behind it in the socket's own write buffer.
  const plain = pattern(4 * MIB, 72);
  socket.write(plain);
  const sending = socket.send(registered);
  sending.catch(() => {});
  await sleep(50);
  const queued = 'while its send is queued behind 4 MiB to a peer that does not read';
  assert.throws(() => socket.deregister(registered), codeIs('EINVAL'), `deregister ${queued}`);
  assert.throws(() => socket.freeBuffer(registered), codeIs('EINVAL', 'EFAULT'), `free ${queued}`);
  await peer.request({ op: 'resume', id });
  assert.is(await within(5000, sending, 'the registered send'), registered.length);
  socket.end();
  const expected = Buffer.concat([plain, original]);
  const seen = await peerEnd(peer, id, 5000, 'the plain write and the registered send');
  assert.equal(seen, { bytes: expected.length, sha256: sha256(expected) });
});

// node:net takes about 0.4 s here on a 2-core machine; quadratic work takes over 14 s.
const TINY_WRITES_MS = 5000;

t('DATA: 200,000 one-byte writes without waiting for drain all arrive within 5 s', async () => {
  const { socket, id } = await openShm(peer, ports.read);
  const data = pattern(200_000, 8);
  const started = performance.now();
  for (let i = 0; i < data.length; i++) {
    socket.write(data.subarray(i, i + 1));
    if (i % 1000 === 0 && performance.now() - started > TINY_WRITES_MS) {
      assert.unreachable(`only ${i} of 200,000 writes were made in ${TINY_WRITES_MS} ms`);
    }
  }
  socket.end();
  const left = Math.max(1, TINY_WRITES_MS - (performance.now() - started));
  const seen = await peerEnd(peer, id, left, `200,000 one-byte writes in ${TINY_WRITES_MS} ms`);
  console.log(`  DATA: 200,000 one-byte writes arrived in ${(performance.now() - started) | 0} ms`);
  assert.equal(seen, { bytes: data.length, sha256: sha256(data) });
});

t('DATA: unread server sockets close after their clients end; close() calls back', async () => {
  const report = () => peer.request<{ open: number; fds: number }>({ op: 'report' });
  const start = await settle(report, (r) => r.open === 0, 3000);
  await Promise.all(
    Array.from({ length: 50 }, async (_, i) => {
      const { socket } = await openShm(peer, ports.greet);
      assert.is(String(await receive(socket).end(3000, `greeting ${i}`)), 'hello\n');
      socket.end();
      await within(3000, closeOf(socket), `client ${i} close`);
    }),
  );
  const count = () =>
    peer.request<{ count: number }>({ op: 'count', port: ports.greet }).then((r) => r.count);
  assert.is(await settle(count, (n) => n === 0, 5000), 0, 'server-side sockets left open');
  await peer.request({ op: 'close', port: ports.greet }, 3000);
  const end = await settle(report, (r) => r.fds <= start.fds, 3000);
  assert.ok(end.fds <= start.fds, `peer fds ${start.fds} -> ${end.fds}`);
});

t('DATA: a child that destroyed its socket and closed its server exits on its own', async () => {
  const accepted: Socket[] = [];
  const port = await listenHere((socket) => {
    accepted.push(socket);
    socket.pipe(socket);
  });
  const child = spawn(process.execPath, [...process.execArgv, EXIT_SCRIPT, String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const exited = new Promise<string>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ?? `code ${code}`)),
    );
    const lines = createInterface({ input: child.stdout as Readable });
    const [line] = (await within(10_000, once(lines, 'line'), "the child's ping")) as [string];
    assert.equal(JSON.parse(line), { transport: 'shm', echoed: 'ping' });
    assert.is(accepted[0]?.transport, 'shm');
    const how = await within(5000, exited, 'the child exit after destroy() and close()');
    assert.is(how, 'code 0');
  } finally {
    child.kill('SIGKILL');
  }
});

/** Two fresh peers; the hostile one forges the cursor of the ring the victim produces into. */
async function forgedCursor(hostileListens: boolean): Promise<void> {
  const [victim, victimPort] = await forkListening('idle');
  const [hostile, hostilePort] = await forkListening('idle');
  const echo = await victim.request<{ port: number }>({ op: 'listen', mode: 'echo' });
  const good = await openShm(victim, echo.port);
  const [from, to] = hostileListens ? [victim, hostile] : [hostile, victim];
  const port = hostileListens ? hostilePort : victimPort;
  type Out = { id: number; localPort: number; transport: string };
  const out = await from.request<Out>({ op: 'connect', port, mode: 'idle' });
  const seen = await to.event((e) => e.remotePort === out.localPort, 'the accept');
  assert.equal([out.transport, seen.transport], ['shm', 'shm']);
  const [victimId, hostileId] = hostileListens ? [out.id, seen.id] : [seen.id, out.id];
  await hostile.request({ op: 'forge', id: hostileId });
  await victim.request({ op: 'send', id: victimId, bytes: 256 * 1024, seed: 11, pieceBytes: 4096 });
  const failed = await victim.event(
    (e) => e.id === victimId && (e.event === 'error' || e.event === 'end'),
    'the failure of the connection with the forged cursor',
  );
  assert.ok(['EPROTO', 'ECONNRESET'].includes(failed.code ?? ''), JSON.stringify(failed));
  await victim.request({ op: 'report' });
  const echoed = receive(good.socket).first(10, 3000, "the victim's other connection");
  good.socket.write('still here');
  assert.is(String(await echoed), 'still here');
}

t('DATA: a hostile client forging the server ring cursor fails only that connection', () =>
  forgedCursor(false),
);

t('DATA: a hostile server forging the client ring cursor fails only that connection', () =>
  forgedCursor(true),
);

t('DATA: resetAndDestroy() with a write pending emits no error on its own socket', async () => {
  const { socket } = await openShm(peer, ports.idle);
  const errors: string[] = [];
  socket.on('error', (err: Error & { code?: string }) => errors.push(err.code ?? err.message));
  socket.write(Buffer.alloc(16 * MIB));
  await sleep(50);
  assert.ok(socket.writableLength > 0, 'the write is pending');
  const closed = new Promise<boolean>((resolve) => socket.once('close', resolve));
  socket.resetAndDestroy();
  const hadError = await within(2000, closed, 'close');
  await sleep(50);
  assert.equal(errors, [], 'error events');
  assert.is(hadError, false);
});

t("DATA: a write after the peer's FIN (allowHalfOpen false) fails with EPIPE", async () => {
  const { socket, id } = await openShm(peer, ports.idle);
  const errors: string[] = [];
  socket.on('error', (err: Error & { code?: string }) => errors.push(err.code ?? err.message));
  await peer.request({ op: 'send', id, bytes: 3, seed: 12, then: 'end' });
  await receive(socket).end(3000, "the peer's FIN");
  const written = new Promise<Error | null | undefined>((resolve) => socket.write('late', resolve));
  const err = (await within(1000, written, 'the late write')) as { code?: string } | null;
  assert.is(err?.code, 'EPIPE');
  assert.ok(
    errors.every((code) => code === 'EPIPE'),
    `error events ${errors}`,
  );
});

t('DATA: socket.timeout is undefined until set, then 0 after setTimeout(0)', async () => {
  const { socket } = await openShm(peer, ports.echo);
  assert.is(socket.timeout, undefined);
  socket.setTimeout(5000);
  socket.setTimeout(0);
  assert.is(socket.timeout, 0);
});

t.run();
