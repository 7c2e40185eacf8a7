// Data over the shm provider between real processes: half-close, 1 GiB with a checksum next
// to node:net TCP in the same run, 256 concurrent connections, a hostile peer scribbling
// over the segment before it confirms, and connect/close cycles with fds, windows and memory counted.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { connect, createServer, type Socket } from '../src/index.js';
import { killPeers, startPeer } from './helpers/shm-children.js';
import { within } from './helpers/san-double-harness.js';

const t = suite('shm provider: data between processes');
t.after.each(killPeers);

const GIB = 1 << 30;
const CHUNK_BYTES = 64 * 1024;

function open(port: number, extra: object = {}): Promise<Socket> {
  const socket = connect({ port, host: '127.0.0.1', ...extra });
  return within(5000, once(socket, 'connect'), 'connect').then(() => socket);
}

function readAll(socket: net.Socket | Socket, ms: number): Promise<string> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return within(ms, once(socket, 'end'), 'end').then(() => Buffer.concat(chunks).toString());
}

/** Seeded bytes (xorshift32), so that a failure reproduces. */
function seeded(bytes: number, seed: number): Buffer {
  const out = Buffer.alloc(bytes);
  let x = seed;
  for (let i = 0; i < bytes; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeInt32LE(x | 0, i);
  }
  return out;
}

/** Sends 1 GiB, ends, and checks the sink's sha256; returns GiB/s. */
async function gibThrough(socket: net.Socket | Socket): Promise<number> {
  const block = seeded(4 * CHUNK_BYTES, 0x5eed);
  const hash = createHash('sha256');
  const reply = readAll(socket, 30_000);
  const started = performance.now();
  for (let sent = 0; sent < GIB; sent += CHUNK_BYTES) {
    const chunk = block.subarray(sent % block.length, (sent % block.length) + CHUNK_BYTES);
    hash.update(chunk);
    if (!socket.write(chunk)) await once(socket, 'drain');
  }
  socket.end();
  const result = JSON.parse(await reply) as { bytes: number; sha256: string };
  const seconds = (performance.now() - started) / 1000;
  assert.is(result.bytes, GIB);
  assert.is(result.sha256, hash.digest('hex'));
  return 1 / seconds;
}

t('half-close: with allowHalfOpen the peer still writes after our end', async () => {
  const { first } = await startPeer('sink');
  const socket = await open(first.port, { allowHalfOpen: true });
  assert.is(socket.transport, 'shm');
  const reply = readAll(socket, 3000);
  socket.end('half');
  const result = JSON.parse(await reply) as { bytes: number };
  assert.is(result.bytes, 4);
});

t(
  'SES-10: sanBufferBytes sizes the bulk half: a 4 MiB registered send needs it (ENOBUFS without)',
  async () => {
    const { first } = await startPeer('sink');
    const small = await open(first.port);
    assert.throws(
      () => small.allocBuffer(4 << 20),
      (e: { code?: string }) => e.code === 'ENOBUFS',
      'the default 256 KiB bulk half cannot hold 4 MiB',
    );
    small.destroy();
    const socket = await open(first.port, { allowHalfOpen: true, sanBufferBytes: 8 << 20 });
    assert.is(socket.transport, 'shm');
    const registered = socket.allocBuffer(4 << 20);
    seeded(registered.length, 0xb16).copy(registered);
    const expected = createHash('sha256').update(registered).digest('hex');
    const reply = readAll(socket, 10_000);
    assert.is(await within(5000, socket.send(registered), 'send'), 4 << 20);
    socket.end();
    const result = JSON.parse(await reply) as { bytes: number; sha256: string };
    assert.is(result.bytes, 4 << 20);
    assert.is(result.sha256, expected);
    assert.throws(
      () => connect({ port: first.port, host: '127.0.0.1', sanBufferBytes: 1 << 30 }),
      (e: { code?: string }) => e.code === 'ERR_OUT_OF_RANGE',
    );
  },
);

t('1 GiB through one shm connection with a checksum, next to node:net TCP', async () => {
  const shm = await startPeer('sink');
  const socket = await open(shm.first.port, { allowHalfOpen: true });
  assert.is(socket.transport, 'shm');
  const shmRate = await gibThrough(socket);
  const tcp = await startPeer('sink', { plain: true });
  const plain = net.connect({ port: tcp.first.port, host: '127.0.0.1', allowHalfOpen: true });
  await once(plain, 'connect');
  const tcpRate = await gibThrough(plain);
  console.log(
    `  1 GiB in 64 KiB writes: shm ${shmRate.toFixed(2)} GiB/s, node:net TCP ${tcpRate.toFixed(2)} GiB/s`,
  );
});

t('256 concurrent shm connections each echo their own bytes', async () => {
  const { first } = await startPeer('echo-server');
  const sockets = await Promise.all(Array.from({ length: 256 }, () => open(first.port)));
  const replies = await Promise.all(
    sockets.map(async (socket, i) => {
      assert.is(socket.transport, 'shm');
      socket.write(`connection ${i}`);
      const [chunk] = await within(5000, once(socket, 'data'), 'echo');
      socket.destroy();
      return String(chunk);
    }),
  );
  replies.forEach((reply, i) => assert.is(reply, `connection ${i}`));
});

t(
  'a hostile peer scribbling over the segment before it confirms never reaches the application',
  async () => {
    const errors: string[] = [];
    let connections = 0;
    const server = createServer((socket) => {
      connections += 1;
      socket.on('error', (err: Error & { code?: string }) => errors.push(err.code ?? '?'));
      socket.pipe(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const good = await open(port);
    const { first } = await startPeer<{ scribbled: number }>('hostile', { port, seed: 7 });
    assert.ok(first.scribbled > 0);
    // The victim finds the damage where the connector's NEGOTIATE belongs, and drops it.
    await new Promise((r) => setTimeout(r, 200));
    assert.is(connections, 1, 'only the good connection reached the application');
    assert.equal(errors, []);
    good.write('still here');
    const [chunk] = await within(3000, once(good, 'data'), 'echo');
    assert.is(String(chunk), 'still here');
    const next = await open(port);
    assert.is(next.transport, 'shm', 'the listener still accepts');
    next.destroy();
    good.destroy();
    server.close();
  },
);

function counts(): { fds: number; windows: number; rssMiB: number } {
  const maps = readFileSync('/proc/self/maps', 'utf8').split('\n');
  return {
    fds: readdirSync('/proc/self/fd').length,
    windows: maps.filter((line) => line.includes('memfd:')).length,
    rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
  };
}

t(
  'CLS-4: after each close the provider has freed every fd and window (10,000 cycles)',
  async () => {
    const cycles = Number(process.env.SHM_LEAK_CYCLES ?? 10_000);
    const { first } = await startPeer('echo-server');
    const cycle = async (): Promise<void> => {
      const socket = await open(first.port);
      socket.destroy();
      await once(socket, 'close');
    };
    for (let i = 0; i < 50; i++) await cycle();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = counts();
    const probe = await open(first.port);
    assert.is(counts().windows, before.windows + 1, 'an open connection shows as one window');
    probe.destroy();
    await once(probe, 'close');
    const started = performance.now();
    for (let i = 0; i < cycles; i++) await cycle();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const after = counts();
    console.log(
      `  ${cycles} cycles in ${((performance.now() - started) / 1000).toFixed(1)} s: before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`,
    );
    assert.is(after.fds, before.fds);
    assert.is(after.windows, before.windows);
  },
);

t.run();
