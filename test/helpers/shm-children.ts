// Starting and stopping the tests' peer processes (test/helpers/shm-peer.ts, fabric-peer.ts)
// under the same TypeScript loader, reading their JSON lines, and making sure none outlives
// its test.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { endpointInode, endpointPath, removeEndpoint } from '../../src/providers/shm/rendezvous.js';

const PEER_SCRIPT = fileURLToPath(new URL('./shm-peer.ts', import.meta.url));
const running = new Set<ChildProcess>();
const ports = new Set<number>();

/** A running peer and its stream of JSON lines. */
export interface Peer {
  child: ChildProcess;
  /** The next JSON line, or a rejection after `ms`. */
  next<T = Record<string, unknown>>(ms?: number): Promise<T>;
}

/**
 * Starts shm-peer.ts (or another peer `script` taking the same arguments) in `role` with
 * `options`; resolves with its first line as well. `wrapper` runs it inside another command
 * (`['ip', 'netns', 'exec', 'sa']`: in a network namespace).
 */
export async function startPeer<T = { port: number }>(
  role: string,
  options: object = {},
  script: string = PEER_SCRIPT,
  wrapper: readonly string[] = [],
): Promise<{ peer: Peer; first: T }> {
  const args = [process.execPath, ...process.execArgv, script, role, JSON.stringify(options)];
  const [command = process.execPath, ...rest] = [...wrapper, ...args];
  const child = spawn(command, rest, { stdio: ['ignore', 'pipe', 'inherit'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const waiter = waiting.shift();
    if (waiter) waiter(line);
    else lines.push(line);
  });
  const next = <U>(ms = 10_000): Promise<U> =>
    new Promise<U>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${role}: no line in ${ms} ms`)), ms);
      const take = (line: string): void => {
        clearTimeout(timer);
        resolve(JSON.parse(line) as U);
      };
      const line = lines.shift();
      if (line !== undefined) take(line);
      else waiting.push(take);
    });
  const peer: Peer = { child, next };
  const first = await next<T>(15_000);
  const { port } = first as { port?: number };
  if (typeof port === 'number') ports.add(port);
  return { peer, first };
}

/** SIGKILLs every peer still running and removes the endpoints they leave; call it after each test. */
export function killPeers(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
  for (const port of ports) {
    const path = endpointPath('127.0.0.1', port);
    removeEndpoint(path, endpointInode(path));
  }
  ports.clear();
}

/** Resolves once `child` has exited. */
export function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}
