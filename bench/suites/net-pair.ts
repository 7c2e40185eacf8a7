// Two peer processes for one network subject, a server and a client, forked from the runner
// and driven over their IPC channels; the runner itself never touches the measured sockets.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { NetEndpoint, NetSubject } from '../subjects/net-subject.js';
import type { CpuReading, PeerMessage, Scenario, ScenarioResult } from './net-protocol.js';

const PEER_ENTRY = fileURLToPath(new URL('./net-peer.ts', import.meta.url));
const TSX_URL = import.meta.resolve('tsx');

/** One forked peer: sends requests, matches replies by id. */
class Peer {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  #nextId = 1;
  readonly ready: Promise<NetEndpoint | null>;

  constructor(role: 'server' | 'client', subject: string) {
    this.#child = fork(PEER_ENTRY, [role, subject], {
      execArgv: ['--import', TSX_URL],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.ready = new Promise((resolve, reject) => {
      this.#child.on('message', (message: PeerMessage) => {
        if (message.type === 'ready') resolve(message.endpoint);
        else this.#settle(message);
      });
      this.#child.once('exit', (code, signal) => {
        const error = new Error(`${role} peer of ${subject} exited (${code ?? signal})`);
        reject(error);
        for (const pending of this.#pending.values()) pending.reject(error);
        this.#pending.clear();
      });
    });
  }

  #settle(message: Extract<PeerMessage, { type: 'reply' }>): void {
    const pending = this.#pending.get(message.id);
    this.#pending.delete(message.id);
    if (message.ok) pending?.resolve(message.value);
    else pending?.reject(new Error(message.error));
  }

  /** Sends one request and resolves with the peer's answer. */
  request<T>(
    body: { op: 'cpu' } | { op: 'run'; endpoint: NetEndpoint; scenario: Scenario },
  ): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#child.send({ id, ...body });
    });
  }

  /** Asks the peer to exit and waits until it has. */
  async close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = once(this.#child, 'exit');
    this.#child.send({ id: 0, op: 'close' });
    await exited;
  }
}

/** A server peer and a client peer of one subject; the transports its runs used. */
export class NetPair {
  readonly subject: NetSubject;
  readonly #server: Peer;
  readonly #client: Peer;
  #endpoint: NetEndpoint | undefined;
  /** Connections made so far, by the transport that carried them. */
  readonly transports: Record<string, number> = {};
  /** Fallback reasons the library gave for them. */
  readonly fallbackReasons = new Set<string>();

  private constructor(subject: NetSubject) {
    this.subject = subject;
    this.#server = new Peer('server', subject.name);
    this.#client = new Peer('client', subject.name);
  }

  /** Forks both peers (about 0.4 s each) and waits until the server listens. */
  static async start(subject: NetSubject): Promise<NetPair> {
    const pair = new NetPair(subject);
    try {
      const [endpoint] = await Promise.all([pair.#server.ready, pair.#client.ready]);
      pair.#endpoint = endpoint ?? undefined;
    } catch (error) {
      await pair.close();
      throw error;
    }
    return pair;
  }

  /** Runs one scenario in the client peer against the server peer. */
  async run(scenario: Scenario): Promise<ScenarioResult> {
    const result = await this.#client.request<ScenarioResult>({
      op: 'run',
      endpoint: this.#endpoint!,
      scenario,
    });
    for (const [transport, count] of Object.entries(result.transports)) {
      this.transports[transport] = (this.transports[transport] ?? 0) + count;
    }
    for (const reason of result.fallbackReasons) this.fallbackReasons.add(reason);
    return result;
  }

  /** CPU time used so far by the server and the client peer, in microseconds. */
  async cpuUs(): Promise<[number, number]> {
    const readings = await Promise.all(
      [this.#server, this.#client].map((peer) => peer.request<CpuReading>({ op: 'cpu' })),
    );
    return readings.map((r) => r.user + r.system) as [number, number];
  }

  /** Stops both peers. */
  async close(): Promise<void> {
    await Promise.all([this.#server.close(), this.#client.close()]);
  }
}
