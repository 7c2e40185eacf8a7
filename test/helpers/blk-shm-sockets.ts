// The parent's sockets in the issue-5 shm tests: connecting over shm to a blk-shm-peer.ts
// process (checking that both ends run over shm), and what the peer saw of a connection.
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { connect, type Socket } from '../../src/index.js';
import type { PeerEvent, PeerProcess } from './blk-shm-process.js';
import { within } from './blk-pair.js';

/** A connected socket and the port the peer process names its end by. */
export interface ShmConnection {
  socket: Socket;
  port: number;
}

/** Sockets openShm() made that have not closed yet. */
const opened = new Set<Socket>();

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

export const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Resolves on the socket's `close`, whatever error came first (events.once would reject). */
export function closeOf(socket: Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

/** Connects to the peer's listener on `listenPort`; both ends must run over shm. */
export async function openShm(peer: PeerProcess, listenPort: number): Promise<ShmConnection> {
  const socket = connect({ port: listenPort, host: '127.0.0.1' });
  opened.add(socket);
  socket.once('close', () => opened.delete(socket));
  await within(5000, once(socket, 'connect'), 'connect');
  assert.is(socket.transport, 'shm');
  const port = socket.localPort as number;
  const accepted = await peer.event((e) => e.event === 'connection' && e.port === port);
  assert.is(accepted.transport, 'shm');
  return { socket, port };
}

/** The peer's next `end` or `error` on connection `port`. */
export function peerOutcome(peer: PeerProcess, port: number, ms = 3000): Promise<PeerEvent> {
  return peer.event((e) => e.port === port && (e.event === 'end' || e.event === 'error'), ms);
}

/** Resolves once the peer's end of connection `port` closed. */
export async function peerClosed(peer: PeerProcess, port: number, ms = 3000): Promise<void> {
  await peer.event((e) => e.port === port && e.event === 'close', ms);
}

/** Destroys every socket a failed test left open, so that none fails once its peer exits. */
export async function destroyOpened(): Promise<void> {
  const closing = [...opened].map((socket) => {
    socket.on('error', () => {});
    socket.destroy();
    return within(1000, closeOf(socket), 'close');
  });
  await Promise.all(closing);
}
