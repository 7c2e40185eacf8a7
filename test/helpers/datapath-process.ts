// The parent's side of datapath-peer.ts: forks it (same TypeScript loader, process.execArgv),
// sends it requests and waits for their replies and its events, each wait bounded and failed
// at once when the peer process exits, and makes sure no peer outlives its test.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { endpointInode, endpointPath, removeEndpoint } from '../../src/providers/shm/rendezvous.js';

const PEER_SCRIPT = fileURLToPath(new URL('./datapath-peer.ts', import.meta.url));

/**
 * A request to the peer; `id` names one of its connections, `port` one of its listeners.
 * Ops: listen {mode: echo | proxy {target} | idle (reads nothing) | read | greet (ends with
 * a greeting, never reads)} → {port}; connect {port, mode} → {id, localPort, transport};
 * count {port} → {count}; close {port} → {closed} once server.close() called back; report →
 * {open, fds, windows}; drop (destroy every connection); per connection: send {bytes, seed,
 * pieceBytes?, then?: 'end'}, resume, mutual {bytes, seed}, endExit {bytes, seed} (end(data)
 * then process.exit()), forge → {head, tail} (see datapath-hostile.ts), stats → {bytes}.
 */
export type PeerRequest = { op: string } & Record<string, unknown>;

/**
 * What the peer reports on its own: connection {id, remotePort, transport, onward?,
 * onwardPort?}, end {id, bytes, sha256}, error {id, code}, close {id}, written {id} (the
 * last write of a send called back), sendDone {id}, received {id, sha256}.
 */
export interface PeerEvent {
  event: string;
  id?: number;
  remotePort?: number;
  transport?: string;
  onward?: string;
  onwardPort?: number;
  code?: string;
  bytes?: number;
  sha256?: string;
}

/** A running peer process. */
export interface Peer {
  readonly child: ChildProcess;
  /** Resolves once the process exited, with its exit code or signal. */
  readonly exited: Promise<string>;
  /** Sends `request`; resolves with its reply, rejects on an error reply, after `ms`, or on exit. */
  request<T = Record<string, unknown>>(request: PeerRequest, ms?: number): Promise<T>;
  /** Sends `request` and expects no reply (e.g. endExit). */
  post(request: PeerRequest): void;
  /** The first event (past or future) that `match` accepts, taken once; bounded like request. */
  event(match: (event: PeerEvent) => boolean, what: string, ms?: number): Promise<PeerEvent>;
}

interface Waiter {
  match: (message: Record<string, unknown>) => boolean;
  take: (message: Record<string, unknown>) => void;
  fail: (how: string) => void;
}

const running = new Map<ChildProcess, number[]>();

// A send to a peer that is exiting fails; its waiters fail on its exit instead.
function ignore(): void {}

/** Forks a peer and waits until it is ready. Main thread. */
export async function forkPeer(): Promise<Peer> {
  const child = fork(PEER_SCRIPT, [], {
    execArgv: process.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ports: number[] = [];
  running.set(child, ports);
  const events: PeerEvent[] = [];
  const waiters = new Set<Waiter>();
  let gone: string | undefined;
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      gone = signal ?? `code ${code}`;
      for (const waiter of waiters) waiter.fail(gone);
      resolve(gone);
    });
  });
  child.on('message', (message: Record<string, unknown>) => {
    const waiter = [...waiters].find((w) => w.match(message));
    if (waiter) waiter.take(message);
    else if (typeof message.event === 'string') events.push(message as unknown as PeerEvent);
  });
  const wait = <T>(match: Waiter['match'], what: string, ms: number): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const settle = (err?: Error, message?: Record<string, unknown>): void => {
        clearTimeout(timer);
        waiters.delete(waiter);
        if (err) reject(err);
        else if (typeof message?.error === 'string') reject(new Error(`peer: ${message.error}`));
        else resolve(message as T);
      };
      const waiter: Waiter = {
        match,
        take: (message) => settle(undefined, message),
        fail: (how) => settle(new Error(`peer exited (${how}) before ${what}`)),
      };
      const timer = setTimeout(() => settle(new Error(`peer: no ${what} in ${ms} ms`)), ms);
      waiters.add(waiter);
      if (gone !== undefined) waiter.fail(gone);
    });
  let seq = 0;
  const peer: Peer = {
    child,
    exited,
    async request<T>(request: PeerRequest, ms = 5000): Promise<T> {
      const id = ++seq;
      const reply = wait<T & { port?: number }>((m) => m.seq === id, `reply to ${request.op}`, ms);
      if (gone === undefined) child.send({ ...request, seq: id }, ignore);
      const answer = await reply;
      if (request.op === 'listen' && typeof answer.port === 'number') ports.push(answer.port);
      return answer;
    },
    post(request: PeerRequest): void {
      if (gone === undefined) child.send({ ...request, seq: ++seq }, ignore);
    },
    event(match, what, ms = 5000): Promise<PeerEvent> {
      const index = events.findIndex(match);
      if (index >= 0) return Promise.resolve(events.splice(index, 1)[0] as PeerEvent);
      return wait((m) => typeof m.event === 'string' && match(m as never), what, ms);
    },
  };
  await wait((m) => m.event === 'ready', 'ready', 15_000);
  return peer;
}

/** A fresh peer listening in `mode` (see PeerRequest), for a test that kills or may crash it. */
export async function forkListening(mode: string, target?: number): Promise<[Peer, number]> {
  const peer = await forkPeer();
  const { port } = await peer.request<{ port: number }>({ op: 'listen', mode, target });
  return [peer, port];
}

/** SIGKILLs every peer still running but those in `keep`, and removes their endpoints. */
export function killPeers(keep: Peer[] = []): void {
  for (const [child, ports] of running) {
    if (keep.some((peer) => peer.child === child)) continue;
    child.kill('SIGKILL');
    running.delete(child);
    for (const port of ports) {
      const path = endpointPath('127.0.0.1', port);
      removeEndpoint(path, endpointInode(path));
    }
  }
}
