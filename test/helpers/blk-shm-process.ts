// The parent's side of blk-shm-peer.ts: forks it (same TypeScript loader, process.execArgv),
// sends it requests and waits for their replies and its events, each wait bounded, and makes
// sure no peer outlives its suite. Also counts this process's fds and memfd windows.
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { endpointInode, endpointPath, removeEndpoint } from '../../src/providers/shm/rendezvous.js';

const PEER_SCRIPT = fileURLToPath(new URL('./blk-shm-peer.ts', import.meta.url));
const running = new Set<ChildProcess>();
const ports = new Set<number>();

/**
 * A request to the peer; `port` names a connection by its remote port (the parent socket's
 * localPort). Ops: listen {hold: connections start without reading}, block {ms}, report,
 * exit, and per connection hold (stop reading), resume, reset (resetAndDestroy), send
 * {bytes, seed, pieceBytes?, then?: 'end' | 'destroy'} (replies once queued; event `sent` once written).
 */
export type PeerRequest = { op: string; port?: number } & Record<string, unknown>;

/** What the peer reports on its own: connection, end {bytes, sha256}, error {code}, close, sent, unblocked. */
export interface PeerEvent {
  event: string;
  port?: number;
  code?: string;
  bytes?: number;
  sha256?: string;
  transport?: string;
}

/** The peer's `report`: connections accepted so far and still open, its fds and windows. */
export interface PeerReport {
  accepted: number;
  open: number;
  fds: number;
  windows: number;
}

/** A running peer process. */
export interface PeerProcess {
  child: ChildProcess;
  /** Sends `request`; resolves with its reply, rejects after `ms`. */
  request<T = Record<string, unknown>>(request: PeerRequest, ms?: number): Promise<T>;
  /** The first event (past or future) that `match` accepts, taken once; rejects after `ms`. */
  event(match: (event: PeerEvent) => boolean, ms?: number): Promise<PeerEvent>;
  /** Events not yet taken by event(). */
  readonly events: PeerEvent[];
}

interface Waiter {
  match: (message: Record<string, unknown>) => boolean;
  take: (message: Record<string, unknown>) => void;
}

/** Forks a peer and waits until it is ready. Main thread. */
export async function forkPeer(): Promise<PeerProcess> {
  const child = fork(PEER_SCRIPT, [], {
    execArgv: process.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const events: PeerEvent[] = [];
  const waiters: Waiter[] = [];
  let seq = 0;
  child.on('message', (message: Record<string, unknown>) => {
    const index = waiters.findIndex((w) => w.match(message));
    if (index >= 0) return waiters.splice(index, 1)[0]!.take(message);
    if (typeof message.event === 'string') events.push(message as unknown as PeerEvent);
  });
  const wait = <T>(match: Waiter['match'], what: string, ms: number): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        match,
        take: (message) => {
          clearTimeout(timer);
          resolve(message as T);
        },
      };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        reject(new Error(`peer: no ${what} in ${ms} ms`));
      }, ms);
      waiters.push(waiter);
    });
  const peer: PeerProcess = {
    child,
    events,
    async request<T>(request: PeerRequest, ms = 5000): Promise<T> {
      const id = ++seq;
      const reply = wait<T & { port?: number }>((m) => m.seq === id, `reply to ${request.op}`, ms);
      child.send({ ...request, seq: id });
      const answer = await reply;
      if (request.op === 'listen' && typeof answer.port === 'number') ports.add(answer.port);
      return answer;
    },
    event(match, ms = 5000): Promise<PeerEvent> {
      const index = events.findIndex(match);
      if (index >= 0) return Promise.resolve(events.splice(index, 1)[0]!);
      return wait((m) => typeof m.event === 'string' && match(m as never), 'event', ms);
    },
  };
  await wait((m) => m.event === 'ready', 'ready', 15_000);
  return peer;
}

/** Asks `peer` to close everything and exit; SIGKILLs it if it has not within 2 s. */
export async function stopPeer(peer: PeerProcess): Promise<void> {
  if (peer.child.exitCode !== null || peer.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => peer.child.once('exit', () => resolve()));
  peer.child.send({ op: 'exit', seq: 0 }, () => {});
  const timer = setTimeout(() => peer.child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}

/** SIGKILLs every peer still running and removes the endpoints they may leave. */
export function killPeers(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
  for (const port of ports) {
    const path = endpointPath('127.0.0.1', port);
    removeEndpoint(path, endpointInode(path));
  }
  ports.clear();
}

/** Descriptors and memfd windows (mapped connection segments) of this process. */
export function resourceCounts(): { fds: number; windows: number } {
  const maps = readFileSync('/proc/self/maps', 'utf8').split('\n');
  return {
    fds: readdirSync('/proc/self/fd').length,
    windows: maps.filter((line) => line.includes('memfd:')).length,
  };
}
