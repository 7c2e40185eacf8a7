// The SAN provider conformance suite: the same tests, between two real processes, for every
// SAN provider (shm, fabric). The test file picks the provider: it leaves only that one
// registered in its own process, and the peer (shm-peer.ts with `only`) does the same, so
// that every connection below either runs over it or fails the test.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer, type Socket } from '../../src/index.js';
import { exitOf, killPeers, startPeer } from './shm-children.js';
import { within } from './san-double-harness.js';

/** How the suite reaches the provider under test. */
export interface SanSuiteTarget {
  /** The provider id: `socket.transport` of every SAN connection. */
  transport: string;
  /** Whether a busy server refuses beyond its backlog while busy (shm: its kernel queue). */
  refusesWhileBusy: boolean;
}

type Outcome = { code: string; transport: string | null; ms: number };

function open(port: number, extra: object = {}): Promise<Socket> {
  const socket = connect({ port, host: '127.0.0.1', sanConnectTimeout: 5000, ...extra });
  return within(8000, once(socket, 'connect'), 'connect').then(() => socket);
}

function outcome(socket: Socket, started: number): Promise<Outcome> {
  return new Promise((resolve) => {
    socket.once('connect', () =>
      resolve({ code: 'connected', transport: socket.transport, ms: performance.now() - started }),
    );
    socket.once('error', (err: Error & { code?: string }) =>
      resolve({ code: err.code ?? 'unknown', transport: null, ms: performance.now() - started }),
    );
  });
}

/** Writes `payload` and collects exactly as many bytes back. */
async function echoed(socket: Socket, payload: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  const done = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      chunks.push(Buffer.from(chunk));
      bytes += chunk.length;
      if (bytes >= payload.length) resolve();
    });
  });
  socket.write(payload);
  await within(20_000, done, `echo of ${payload.length} bytes`);
  return Buffer.concat(chunks);
}

/** Resolves once `condition()` holds, checking every 10 ms. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** Registers the suite for `target`; run it with `.run()`. */
export function sanSuite(target: SanSuiteTarget) {
  const { transport } = target;
  const only = { only: transport };
  const t = suite(`SAN provider suite over ${transport}`);
  t.after.each(killPeers);

  t(`CON-6: small and large writes are echoed intact over ${transport}`, async () => {
    const { first } = await startPeer<{ port: number; transports: string[] }>('echo-server', only);
    assert.equal(first.transports, ['tcp', transport]);
    const socket = await open(first.port);
    assert.is(socket.transport, transport);
    assert.is(socket.fallbackReason, null);
    for (const size of [1, 1000, 64 * 1024, 3 * 1024 * 1024 + 17]) {
      const payload = randomBytes(size);
      assert.ok((await echoed(socket, payload)).equals(payload), `${size} bytes`);
      socket.removeAllListeners('data');
    }
    socket.destroy();
  });

  t(
    `BLK-3: recv() into its own buffer gets a large send and what follows it, in order, over ${transport}`,
    async () => {
      const { first } = await startPeer('echo-server', only);
      const socket = await open(first.port);
      assert.is(socket.transport, transport);
      // Each round: a rendezvous send and small ones right behind it, echoed back while a
      // receive buffer is posted, so that they meet in one drain.
      const rounds = Array.from({ length: 8 }, (_, i) => [
        randomBytes(48 * 1024 + i),
        randomBytes(9),
        randomBytes(3),
      ]);
      const expected = Buffer.concat(rounds.flat());
      const received: Buffer[] = [];
      let bytes = 0;
      const reading = (async () => {
        while (bytes < expected.length) {
          const chunk = await socket.recv(Buffer.alloc(64 * 1024));
          if (!chunk) break;
          received.push(Buffer.from(chunk));
          bytes += chunk.length;
        }
      })();
      for (const round of rounds) for (const part of round) socket.write(part);
      await within(20_000, reading, 'the echo');
      assert.ok(Buffer.concat(received).equals(expected), 'the bytes, in order');
      socket.destroy();
    },
  );

  t('CLS-1: end() half-closes; the peer answers after reading everything', async () => {
    const { first } = await startPeer('sink', only);
    const socket = await open(first.port, { allowHalfOpen: true });
    assert.is(socket.transport, transport);
    const payload = randomBytes(1 << 20);
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += String(chunk)));
    socket.end(payload);
    await within(10_000, once(socket, 'end'), 'end');
    const { bytes, sha256 } = JSON.parse(answer) as { bytes: number; sha256: string };
    assert.is(bytes, payload.length);
    assert.is(sha256, createHash('sha256').update(payload).digest('hex'));
    socket.destroy();
  });

  t('CLS-1: a client that writes, ends and lets its loop empty delivers every byte', async () => {
    const received = { bytes: 0, ended: false };
    const server = createServer((socket) => {
      socket.on('data', (chunk: Buffer) => (received.bytes += chunk.length));
      socket.on('end', () => (received.ended = true));
      socket.on('error', () => {});
    });
    server.listen(0, '127.0.0.1');
    await within(5000, once(server, 'listening'), 'listen');
    const { port } = server.address() as net.AddressInfo;
    const bytes = 3 * 1024 * 1024;
    const { peer, first } = await startPeer<{ transport: string }>('send-exit', {
      ...only,
      port,
      bytes,
    });
    assert.is(first.transport, transport);
    await within(10_000, exitOf(peer.child), 'the client exits');
    assert.is(peer.child.exitCode, 0);
    await within(
      5000,
      until(() => received.ended),
      'the end',
    );
    assert.is(received.bytes, bytes);
    server.close();
  });

  t('MEM: a registered buffer from allocBuffer is sent and echoed intact', async () => {
    const { first } = await startPeer('echo-server', only);
    const socket = await open(first.port);
    const buffer = socket.allocBuffer(128 * 1024);
    randomBytes(buffer.length).copy(buffer);
    const expected = Buffer.from(buffer);
    assert.ok((await echoed(socket, buffer)).equals(expected));
    socket.destroy();
  });

  t('ACC-6: a request the acceptFilter refuses fails with ECONNREFUSED, no TCP retry', async () => {
    const { first } = await startPeer('echo-server', { ...only, refuseAll: true });
    const socket = connect({ port: first.port, host: '127.0.0.1' });
    const result = await within(8000, outcome(socket, performance.now()), 'refusal');
    assert.is(result.code, 'ECONNREFUSED');
    socket.destroy();
  });

  t('CON-4: a plain node:net server is reached over TCP (no-san-listener)', async () => {
    const { first } = await startPeer('plain-server', only);
    const socket = await open(first.port);
    assert.is(socket.transport, 'tcp');
    assert.is(socket.fallbackReason, 'no-san-listener');
    socket.destroy();
  });

  t('one listener serves both: a plain node:net client reaches the same server', async () => {
    const { first } = await startPeer('echo-server', only);
    const socket = net.connect(first.port, '127.0.0.1');
    await within(3000, once(socket, 'connect'), 'connect');
    socket.write('from node:net');
    const [chunk] = await within(3000, once(socket, 'data'), 'echo');
    assert.is(String(chunk), 'from node:net');
    socket.destroy();
  });

  t('LIS-6: a busy server with backlog 2 lets exactly 2 of 6 clients through', async () => {
    const { peer, first } = await startPeer('echo-server', { ...only, backlog: 2, blockMs: 1500 });
    const started = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const socket = connect({ port: first.port, host: '127.0.0.1', sanConnectTimeout: 6000 });
        const result = await within(10_000, outcome(socket, started), 'connect');
        socket.destroy();
        return result;
      }),
    );
    const refused = outcomes.filter((o) => o.code === 'ECONNREFUSED');
    const connected = outcomes.filter((o) => o.code === 'connected');
    console.log(
      `  LIS-6 over ${transport}: refused after ${refused.map((o) => o.ms.toFixed(0)).join(', ')} ms`,
    );
    assert.is(connected.length, 2);
    assert.is(refused.length, 4);
    for (const o of connected) assert.is(o.transport, transport);
    // A kernel queue refuses while the server is busy; a user-space count as soon as it runs.
    const limit = target.refusesWhileBusy ? 600 : 1500 + 1000;
    for (const o of refused) assert.ok(o.ms < limit, `refused after ${o.ms} ms`);
    const { connections } = await peer.next<{ connections: number }>();
    assert.ok(connections <= 2, `the application saw ${connections} connections`);
  });

  t('CLS-5: a killed peer ends or resets the connection; nothing hangs', async () => {
    const { peer, first } = await startPeer('silent-server', only);
    const socket = await open(first.port);
    assert.is(socket.transport, transport);
    socket.write(randomBytes(4096));
    const ended = new Promise<string>((resolve) => {
      socket.once('error', (err: Error & { code?: string }) => resolve(err.code ?? 'error'));
      socket.once('end', () => resolve('end'));
    });
    peer.child.kill('SIGKILL');
    const how = await within(10_000, ended, 'the peer loss');
    assert.ok(how === 'ECONNRESET' || how === 'end', how);
    socket.destroy();
  });

  return t;
}
