// Two connected sanswitch Sockets over an in-process SessionConduit pair (one segment in this
// process's shared memory, doorbell double from session-pair.ts), as the shm provider would
// establish them, and bounded waits for the blocking-call tests.
import { RECEIVE_WINDOW_BYTES, Socket, kEstablish } from '../../src/net/socket.js';
import { DEFAULT_GEOMETRY, type SessionGeometry } from '../../src/session/geometry.js';
import type { SessionConduit } from '../../src/session/conduit.js';
import { openPair } from './session-pair.js';

/** A connected pair: `client` ran connect, `server` was accepted. */
export interface SocketPair {
  client: Socket;
  server: Socket;
  clientConduit: SessionConduit;
  serverConduit: SessionConduit;
}

/** Opens a negotiated pair of Sockets; `rdmaRead: false` makes sends write-based (SES-9b). */
export async function socketPair(
  geometry: SessionGeometry = DEFAULT_GEOMETRY,
  rdmaRead = true,
): Promise<SocketPair> {
  const pair = openPair(geometry, { rdmaRead }, { rdmaRead });
  await pair.ready;
  const client = new Socket();
  const server = new Socket();
  client[kEstablish](pair.connector, 'shm', null);
  server[kEstablish](pair.acceptor, 'shm', null, false);
  return { client, server, clientConduit: pair.connector, serverConduit: pair.acceptor };
}

/** Destroys both sockets and waits until both closed. */
export async function closeSockets(...sockets: Socket[]): Promise<void> {
  await Promise.all(
    sockets.map((s) => {
      if (s.closed) return undefined;
      const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
      s.on('error', () => {});
      s.destroy();
      return within(2000, closed, 'close');
    }),
  );
}

/** Settles like `promise`, or rejects after `ms` so that a broken test fails, not hangs. */
export function within<T>(ms: number, promise: Promise<T>, what = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** The rejection of `promise` (fails when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

/** Deterministic bytes: a seeded xorshift fill. */
export function pattern(bytes: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export const BIG_GEOMETRY: SessionGeometry = { ...DEFAULT_GEOMETRY, halfBytes: 1 << 20 };

/**
 * Writes exactly a receive window of seeded bytes: a peer that does not read takes them all
 * and then stops taking stream data, so an RDMA announced after them stalls until it reads.
 * Returns the bytes, which the peer receives first, and `written`, which resolves once they
 * left this side. A registered send queued behind them is announced once the peer's DONE for
 * their last rendezvous piece frees room, which may come a little later.
 */
export function fillReceiveWindow(socket: Socket): { filler: Buffer; written: Promise<void> } {
  const filler = pattern(RECEIVE_WINDOW_BYTES, 77);
  const written = new Promise<void>((resolve, reject) =>
    socket.write(filler, (err) => (err ? reject(err) : resolve())),
  );
  return { filler, written };
}
