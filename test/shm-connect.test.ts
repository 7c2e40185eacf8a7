// The shm provider between real processes: echo, fallback to TCP, mixed peers, the backlog
// under a busy server (LIS-6), refusals (ACC-6), stale endpoints, credentials and crashes;
// and in this process: a connect that waits for the acceptor's NEGOTIATE (CON-6), and
// connect() again on an established socket (CON-7).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { existsSync, lstatSync } from 'node:fs';
import { once } from 'node:events';
import {
  connect,
  createServer,
  createShmProvider,
  type SanSocket,
  type Socket,
} from '../src/index.js';
import { endpointPath, rendezvousDir } from '../src/providers/shm/rendezvous.js';
import { exitOf, killPeers, startPeer } from './helpers/shm-children.js';
import { closeServer, listen, within } from './helpers/san-double-harness.js';
import { holdAcceptor } from './helpers/shm-held-acceptor.js';

const t = suite('shm provider: connection set-up between processes');
t.after.each(killPeers);

function open(port: number, extra: object = {}): Promise<Socket> {
  const socket = connect({ port, host: '127.0.0.1', ...extra });
  return within(5000, once(socket, 'connect'), 'connect').then(() => socket);
}

async function echo(socket: net.Socket | Socket, text: string): Promise<string> {
  socket.write(text);
  const [chunk] = await within(3000, once(socket, 'data'), 'echo');
  return String(chunk);
}

function errorOf(socket: Socket, ms = 3000): Promise<Error & { code?: string }> {
  return within(ms, once(socket, 'error'), 'error').then(
    ([err]) => err as Error & { code?: string },
  );
}

t('echo over shm: transport is shm, the server listens on tcp and shm', async () => {
  const { first } = await startPeer<{ port: number; transports: string[] }>('echo-server');
  assert.equal(first.transports, ['tcp', 'shm']);
  const socket = await open(first.port);
  assert.is(socket.transport, 'shm');
  assert.is(socket.fallbackReason, null);
  assert.is(await echo(socket, 'hello over shm'), 'hello over shm');
  socket.destroy();
});

t('CON-4: a plain node:net server on this host is reached over TCP (no-san-listener)', async () => {
  const { first } = await startPeer('plain-server');
  const socket = await open(first.port);
  assert.is(socket.transport, 'tcp');
  assert.is(socket.fallbackReason, 'no-san-listener');
  assert.is(await echo(socket, 'plain'), 'plain');
  socket.destroy();
});

t('one listener serves both: a plain node:net client reaches a sanswitch server', async () => {
  const { first } = await startPeer('echo-server');
  const socket = net.connect(first.port, '127.0.0.1');
  await within(3000, once(socket, 'connect'), 'connect');
  assert.is(await echo(socket, 'from node:net'), 'from node:net');
  socket.destroy();
});

// A server process listens with `backlog`, then blocks its event loop for `blockMs` while
// `clients` connect: exactly `backlog` of them get through, the rest are refused at once.
async function busyServerRefusesBeyondBacklog(backlog: number, clients: number, blockMs: number) {
  const { peer, first } = await startPeer('echo-server', { backlog, blockMs });
  const started = performance.now();
  const outcomes = await Promise.all(
    Array.from({ length: clients }, async () => {
      const socket = connect({ port: first.port, host: '127.0.0.1', sanConnectTimeout: 5000 });
      const result = await new Promise<{ code: string; transport: string | null }>((resolve) => {
        socket.once('connect', () => resolve({ code: 'connected', transport: socket.transport }));
        socket.once('error', (err: Error & { code?: string }) =>
          resolve({ code: err.code ?? 'unknown', transport: null }),
        );
      });
      socket.destroy();
      return { ...result, ms: performance.now() - started };
    }),
  );
  const refused = outcomes.filter((o) => o.code === 'ECONNREFUSED');
  const connected = outcomes.filter((o) => o.code === 'connected');
  console.log(
    `  LIS-6 (backlog ${backlog}): refused after ${refused.map((o) => o.ms.toFixed(1)).join(', ')} ms; connected after ${connected.map((o) => o.ms.toFixed(0)).join(', ')} ms`,
  );
  assert.is(refused.length, clients - backlog);
  assert.is(connected.length, backlog);
  for (const o of refused) assert.ok(o.ms < 600, `refused after the retries (${o.ms} ms)`);
  for (const o of connected) assert.is(o.transport, 'shm');
  const { connections } = await peer.next<{ connections: number }>();
  assert.ok(connections <= backlog, `the application saw ${connections} connections`);
}

t('LIS-6: a busy server with backlog 2 refuses the extra clients once its retries are spent', () =>
  busyServerRefusesBeyondBacklog(2, 8, 2000),
);

t('LIS-6: a busy server with backlog 1 queues exactly one request', () =>
  busyServerRefusesBeyondBacklog(1, 3, 1000),
);

t('ACC-6: a request the acceptFilter refuses fails with ECONNREFUSED, no TCP retry', async () => {
  const { first } = await startPeer('echo-server', { refuseAll: true });
  const socket = connect({ port: first.port, host: '127.0.0.1' });
  assert.is((await errorOf(socket)).code, 'ECONNREFUSED');
  assert.is(socket.transport, null);
});

t('ACC-6: a request beyond maxConnections fails with ECONNREFUSED', async () => {
  const { first } = await startPeer('echo-server', { maxConnections: 1 });
  const kept = await open(first.port);
  assert.is(await echo(kept, 'one'), 'one');
  const socket = connect({ port: first.port, host: '127.0.0.1' });
  assert.is((await errorOf(socket)).code, 'ECONNREFUSED');
  kept.destroy();
});

t('a stale endpoint of a SIGKILLed listener is removed; the connect then uses TCP', async () => {
  const { peer, first } = await startPeer('echo-server');
  const path = endpointPath('127.0.0.1', first.port);
  assert.ok(existsSync(path), 'the listener has an endpoint');
  peer.child.kill('SIGKILL');
  await exitOf(peer.child);
  assert.ok(existsSync(path), 'a killed listener leaves its endpoint');
  const socket = connect({ port: first.port, host: '127.0.0.1' });
  assert.is((await errorOf(socket)).code, 'ECONNREFUSED', 'nobody listens on TCP either');
  assert.not.ok(existsSync(path), 'the stale endpoint was removed');
  const plain = net.createServer((s) => s.pipe(s));
  await new Promise<void>((resolve) => plain.listen(first.port, '127.0.0.1', resolve));
  const fallback = await open(first.port);
  assert.is(fallback.fallbackReason, 'no-san-listener');
  fallback.destroy();
  plain.close();
});

t(
  'the endpoints of SIGKILLed listeners are swept when a process starts the shm provider',
  async () => {
    const killed = await Promise.all([startPeer('echo-server'), startPeer('echo-server')]);
    const paths = killed.map(({ first }) => endpointPath('127.0.0.1', first.port));
    for (const { peer } of killed) {
      peer.child.kill('SIGKILL');
      await exitOf(peer.child);
    }
    assert.ok(
      paths.every((path) => existsSync(path)),
      'killed listeners leave their endpoints',
    );
    const server = createServer();
    const port = await listen(server, 0, '127.0.0.1');
    const live = endpointPath('127.0.0.1', port);
    const { first } = await startPeer('echo-server');
    assert.not.ok(
      paths.some((path) => existsSync(path)),
      'the next process swept them',
    );
    assert.ok(existsSync(live), 'a live listener keeps its endpoint');
    assert.ok(existsSync(endpointPath('127.0.0.1', first.port)));
    await closeServer(server);
  },
);

t(
  'CON-5: a server out of SAN memory declines; both ends go on over TCP with san-declined',
  async () => {
    const { peer, first } = await startPeer('echo-server', { fillMemory: true, report: true });
    const socket = await open(first.port);
    assert.is(socket.transport, 'tcp');
    assert.is(socket.fallbackReason, 'san-declined');
    assert.is(await echo(socket, 'over tcp'), 'over tcp');
    const seen = await peer.next<{ transport: string; fallbackReason: string }>();
    assert.equal(seen, { transport: 'tcp', fallbackReason: 'san-declined' });
    socket.destroy();
  },
);

t(
  'CON-5: a peer past its large-buffer budget is declined to TCP; default connections are not',
  async () => {
    const { first } = await startPeer('echo-server');
    const big = { sanBufferBytes: 64 << 20 };
    const opened = [];
    for (let i = 0; i < 6; i += 1) opened.push(await open(first.port, big));
    const ways = opened.map((s) => `${s.transport}:${s.fallbackReason}`);
    assert.equal(ways, [...Array(4).fill('shm:null'), ...Array(2).fill('tcp:san-declined')]);
    const plain = await open(first.port);
    assert.is(plain.transport, 'shm', 'a default-sized connection is not limited');
    for (const s of opened) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const again = await open(first.port, big);
    assert.is(again.transport, 'shm', 'closed connections gave their share back');
    again.destroy();
    plain.destroy();
  },
);

t('CLS-5: a peer killed with SIGKILL ends the survivor within a second, as TCP does', async () => {
  // A killed process's kernel closes its sockets: FIN when it had read everything (here: the
  // echo server read all), RST otherwise. node:net's client then sees `end`, no error.
  const { peer, first } = await startPeer('echo-server');
  const socket = await open(first.port);
  assert.is(await echo(socket, 'alive'), 'alive');
  let failed: Error | undefined;
  socket.on('error', (err) => (failed = err));
  const closed = once(socket, 'close');
  const killed = performance.now();
  peer.child.kill('SIGKILL');
  await within(1000, once(socket, 'end'), 'end');
  console.log(`  crash noticed after ${(performance.now() - killed).toFixed(1)} ms`);
  await within(1000, closed, 'close');
  assert.is(failed, undefined);
});

t('CLS-5: a peer killed with data it never read fails the survivor with ECONNRESET', async () => {
  const { peer, first } = await startPeer('silent-server');
  const socket = await open(first.port);
  // The server never reads: past its receive window the rest stays unread in the ring.
  socket.write(Buffer.alloc(3 << 20));
  await new Promise((resolve) => setTimeout(resolve, 100));
  peer.child.kill('SIGKILL');
  const err = await errorOf(socket, 1000);
  assert.is(err.code, 'ECONNRESET');
});

t('the rendezvous directory is a private directory of ours', () => {
  const stat = lstatSync(rendezvousDir());
  assert.ok(stat.isDirectory() && !stat.isSymbolicLink());
  assert.is(stat.mode & 0o777, 0o700);
  assert.is(stat.uid, process.geteuid?.());
});

function spiConnect(socket: SanSocket, port: number): Promise<Error | null> {
  return within(
    3000,
    new Promise<Error | null>((resolve) => {
      socket.eventSelect({ connect: resolve });
      socket.connect('127.0.0.1', port);
    }),
    'SPI connect',
  );
}

t('credentials: an acceptor whose policy refuses the peer hangs up (ECONNREFUSED)', async () => {
  const port = 40000 + (process.pid % 20000);
  const listener = createShmProvider({ peerPolicy: () => false }).socket();
  listener.bind('127.0.0.1', port);
  listener.eventSelect({ accept: () => assert.unreachable('a refused peer is never signalled') });
  listener.listen(4);
  const client = createShmProvider().socket();
  const err = await spiConnect(client, port);
  assert.is((err as { code?: string } | null)?.code, 'ECONNREFUSED');
  const wary = createShmProvider({ peerPolicy: () => false }).socket();
  const fallback = await spiConnect(wary, port);
  assert.is((fallback as { code?: string } | null)?.code, 'ERR_SANSWITCH_NO_SAN_LISTENER');
  for (const s of [client, wary, listener]) s.close();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A port number nobody listens on here: one the kernel gave a node:net listener that is open. */
async function plainListener(): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer((s) => s.pipe(s));
  return { server, port: await listen(server, 0, '127.0.0.1') };
}

t(
  'CON-6: an shm connect completes only once the acceptor NEGOTIATE is in the segment',
  async () => {
    const { server, port } = await plainListener();
    const acceptor = holdAcceptor(port);
    const client = createShmProvider().socket();
    let outcome: Error | null | undefined;
    try {
      const connected = new Promise<Error | null>((resolve) => {
        client.eventSelect({
          connect: (err) => {
            outcome = err;
            resolve(err);
          },
        });
      });
      client.connect('127.0.0.1', port);
      await within(3000, acceptor.answered, 'ACCEPT');
      // The connector has mapped the segment by now; with no NEGOTIATE in it, it must wait.
      await sleep(200);
      assert.is(outcome, undefined, 'the connect completed before the acceptor negotiated');
      const accepted = acceptor.negotiate();
      assert.is(await within(3000, connected, 'connect'), null);
      // The negotiated session carries data.
      const conduit = client.conduit();
      const arrived = within(
        3000,
        new Promise<string>((resolve) =>
          conduit.once('data', (chunk: Buffer) => resolve(String(chunk))),
        ),
        'data',
      );
      conduit.resume();
      accepted.write(Buffer.from('negotiated'), () => {});
      assert.is(await arrived, 'negotiated');
      conduit.destroy();
    } finally {
      client.close();
      acceptor.close();
      await closeServer(server);
    }
  },
);

t(
  'CON-6: a connect whose acceptor never negotiates is not established; it falls back to TCP',
  async () => {
    const { server, port } = await plainListener();
    const acceptor = holdAcceptor(port);
    const socket = connect({ port, host: '127.0.0.1', sanConnectTimeout: 300 });
    const errors: string[] = [];
    socket.on('error', (err: Error & { code?: string }) => errors.push(err.code ?? err.message));
    try {
      await within(3000, once(socket, 'connect'), 'connect');
      await within(1000, acceptor.answered, 'ACCEPT (the SAN attempt reached the acceptor)');
      assert.is(socket.transport, 'tcp');
      assert.is(socket.fallbackReason, 'san-timeout');
      assert.is(await echo(socket, 'over tcp'), 'over tcp');
      assert.equal(errors, []);
    } finally {
      socket.destroy();
      acceptor.close();
      await closeServer(server);
    }
  },
);

/** What followed connect() again on an established socket, and what its server saw. */
interface Reconnect {
  /** What followed within 300 ms: `connect`, `callback`, `error:<code>`, comma-separated. */
  events: string;
  /** Connections the server accepted. */
  connections: number;
  /** The socket is still on its first connection (same local and remote port), or destroyed. */
  samePorts: boolean;
  destroyed: boolean;
}

/** Once `socket` is connected, calls its connect(port, cb) again and records what follows. */
async function reconnect(
  socket: net.Socket | Socket,
  port: number,
  connections: () => number,
): Promise<Reconnect> {
  await within(5000, once(socket, 'connect'), 'connect');
  const before = [socket.localPort, socket.remotePort];
  const events: string[] = [];
  socket.on('connect', () => events.push('connect'));
  socket.on('error', (err: Error & { code?: string }) => events.push(`error:${err.code}`));
  socket.connect(port, '127.0.0.1', () => events.push('callback'));
  await sleep(300);
  const samePorts =
    socket.destroyed || (socket.localPort === before[0] && socket.remotePort === before[1]);
  return {
    events: events.join(','),
    connections: connections(),
    samePorts,
    destroyed: socket.destroyed,
  };
}

t(
  'CON-7: connect() on a connected shm socket opens no second connection, as node:net',
  async () => {
    // node:net first, on this host: what the switch must mirror.
    const plainAccepted: net.Socket[] = [];
    const plain = net.createServer((s) => {
      plainAccepted.push(s);
      s.on('error', () => {});
      s.pipe(s);
    });
    const plainPort = await listen(plain, 0, '127.0.0.1');
    const reference = net.connect(plainPort, '127.0.0.1');
    const expected = await reconnect(reference, plainPort, () => plainAccepted.length);
    reference.destroy();
    for (const s of plainAccepted) s.destroy();
    await closeServer(plain);
    assert.is(expected.connections, 1, 'node:net made a second connection');

    const accepted: Socket[] = [];
    const server = createServer((s) => {
      accepted.push(s);
      s.on('error', () => {});
      s.pipe(s);
    });
    const port = await listen(server, 0, '127.0.0.1');
    const socket = connect(port, '127.0.0.1');
    try {
      const seen = await reconnect(socket, port, () => accepted.length);
      assert.is(socket.transport, 'shm');
      assert.equal(seen, expected);
      if (!socket.destroyed) assert.is(await echo(socket, 'still the first'), 'still the first');
    } finally {
      // Every connection the server accepted goes too, so that none outlives the test.
      socket.destroy();
      for (const s of accepted) s.destroy();
      await closeServer(server);
    }
  },
);

t.run();
