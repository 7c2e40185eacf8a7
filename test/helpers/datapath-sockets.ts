// The parent's sockets and servers in shm-datapath.test.ts: connecting over shm to a
// datapath-peer.ts process (checking that both ends run over shm), bounded waits for what a
// socket or the peer receives that say how far it got, and cleanup of everything opened.
import * as assert from 'uvu/assert';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type Socket } from '../../src/index.js';
import type { Peer, PeerEvent } from './datapath-process.js';
import { within } from './blk-pair.js';
import { closeOf } from './blk-shm-sockets.js';

const sockets = new Set<Socket>();
const servers = new Set<Server>();

/**
 * Adds `socket` to what cleanup() destroys and gives it an error listener, so that an error
 * nobody waits for (a peer process that died) fails no later test; returns it.
 */
function track(socket: Socket): Socket {
  sockets.add(socket);
  socket.on('error', () => {});
  socket.once('close', () => sockets.delete(socket));
  return socket;
}

/** A connection to a peer: this end, the peer's id for it, and the peer's `connection` event. */
export interface Opened {
  socket: Socket;
  id: number;
  accepted: PeerEvent;
}

/** Connects to the peer's listener on `port`; both ends must run over shm. */
export async function openShm(peer: Peer, port: number): Promise<Opened> {
  const socket = track(connect({ port, host: '127.0.0.1' }));
  await within(5000, once(socket, 'connect'), 'connect');
  assert.is(socket.transport, 'shm', 'this end runs over shm');
  const accepted = await peer.event(
    (e) => e.event === 'connection' && e.remotePort === socket.localPort,
    'connection',
  );
  assert.is(accepted.transport, 'shm', 'the peer end runs over shm');
  return { socket, id: accepted.id as number, accepted };
}

/** A sanswitch server of this process on 127.0.0.1 (its sockets tracked); resolves listening. */
export async function listenHere(onSocket: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => onSocket(track(socket)));
  servers.add(server);
  await within(2000, new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
  return (server.address() as AddressInfo).port;
}

/** Bounded waits on what a socket receives (it reads from now on, in flowing mode). */
export interface Received {
  /** The first `bytes` bytes; rejects, saying how many came, on end, error, close or timeout. */
  first(bytes: number, ms: number, what: string): Promise<Buffer>;
  /** Everything up to the end; rejects on an error (naming its code), close or timeout. */
  end(ms: number, what: string): Promise<Buffer>;
}

/** Starts reading `socket` (resuming it if paused) and returns the waits on what it receives. */
export function receive(socket: Socket): Received {
  const parts: Buffer[] = [];
  const state = { bytes: 0, ended: false, closed: false, error: '' };
  const checks = new Set<() => void>();
  const changed = (): void => [...checks].forEach((check) => check());
  socket.on('data', (chunk: Buffer) => {
    parts.push(chunk);
    state.bytes += chunk.length;
    changed();
  });
  socket.on('end', () => ((state.ended = true), changed()));
  socket.on('close', () => ((state.closed = true), changed()));
  socket.on('error', (err: Error & { code?: string }) => {
    state.error = err.code ?? err.message;
    changed();
  });
  socket.resume();
  const wait = (done: () => boolean, what: string, ms: number): Promise<Buffer> =>
    new Promise<Buffer>((resolve, reject) => {
      const finish = (why?: string): void => {
        checks.delete(check);
        clearTimeout(timer);
        if (why === undefined) resolve(Buffer.concat(parts));
        else reject(new Error(`${what}: ${why} after ${state.bytes} bytes`));
      };
      const check = (): void => {
        if (state.error) finish(`error ${state.error}`);
        else if (done()) finish();
        else if (state.ended || state.closed) finish(state.ended ? 'end' : 'close');
      };
      const timer = setTimeout(() => finish(`nothing more in ${ms} ms`), ms);
      checks.add(check);
      check();
    });
  // A wait the test no longer awaits (it failed earlier) must not become an unhandled rejection.
  const handled = (waiting: Promise<Buffer>): Promise<Buffer> => {
    waiting.catch(() => {});
    return waiting;
  };
  return {
    first: (bytes, ms, what) =>
      handled(wait(() => state.bytes >= bytes, what, ms).then((data) => data.subarray(0, bytes))),
    end: (ms, what) => handled(wait(() => state.ended, what, ms)),
  };
}

/** The peer's end of connection `id`: its byte count and sha256; says how far it got if not. */
export async function peerEnd(
  peer: Peer,
  id: number,
  ms: number,
  what: string,
): Promise<{ bytes?: number; sha256?: string }> {
  try {
    const seen = await peer.event(
      (e) => e.id === id && (e.event === 'end' || e.event === 'error'),
      `end (${what})`,
      Math.round(ms),
    );
    if (seen.event === 'error') throw new Error(`${what}: the peer got ${seen.code}, no end`);
    return { bytes: seen.bytes, sha256: seen.sha256 };
  } catch (err) {
    const stats = await peer
      .request<{ bytes: number }>({ op: 'stats', id }, 1000)
      .catch(() => null);
    if (!stats) throw err;
    throw new Error(`${(err as Error).message} (the peer has ${stats.bytes} bytes)`);
  }
}

/** Polls `probe` until `done` accepts its value or `ms` passed; returns the last value. */
export async function settle<T>(probe: () => Promise<T>, done: (v: T) => boolean, ms: number) {
  const deadline = Date.now() + ms;
  let value = await probe();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    value = await probe();
  }
  return value;
}

/** Destroys every tracked socket and closes every server of this process; never throws. */
export async function cleanup(): Promise<void> {
  const closing = [...sockets].map((socket) => {
    socket.destroy();
    return within(1000, closeOf(socket), 'close').catch(() => {});
  });
  for (const server of servers) {
    closing.push(within(1000, new Promise<void>((r) => server.close(() => r())), 'server close'));
  }
  servers.clear();
  await Promise.all(closing.map((closed) => closed.catch(() => {})));
}
