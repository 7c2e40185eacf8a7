// The orchestrator's side of the soak's child processes (peer.ts): forking them with this
// process's execArgv (the tsx loader carries over), waiting for their replies with a bound,
// SIGKILLing and restarting them, and making sure that none outlives the run.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildConfig, ChildEvent, Command, Role } from './messages.js';

const PEER_SCRIPT = fileURLToPath(new URL('./peer.ts', import.meta.url));
const START_MS = 20_000;
const EXIT_MS = 5_000;

/** Where the children's events and unexpected deaths go. */
export interface ChildHandlers {
  event(role: Role, event: ChildEvent): void;
  died(role: Role, how: string): void;
}

interface Waiter {
  role: Role;
  match: (event: ChildEvent) => boolean;
  take: (event: ChildEvent) => void;
}

/** The running children, one per role. */
export class Children {
  /** The port each listening role (server, proxy) listens on now. */
  readonly ports = new Map<Role, number>();
  readonly #running = new Map<Role, ChildProcess>();
  readonly #waiters = new Set<Waiter>();

  constructor(
    readonly base: Omit<ChildConfig, 'role' | 'target'>,
    readonly handlers: ChildHandlers,
  ) {}

  /** Forks `role` and waits until it is ready; resolves with the port it listens on. */
  async start(role: Role, target?: number): Promise<number | undefined> {
    const config: ChildConfig = { ...this.base, role, target };
    const child = fork(PEER_SCRIPT, [JSON.stringify(config)], {
      execArgv: process.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#running.set(role, child);
    child.on('message', (event: ChildEvent) => this.#deliver(role, event));
    child.once('exit', (code, signal) => {
      // A child the orchestrator killed or stopped is no longer in #running.
      if (this.#running.get(role) !== child) return;
      this.#running.delete(role);
      this.handlers.died(role, signal ?? `exit code ${code}`);
    });
    const ready = await this.expect(role, (e) => e.ev === 'ready', 'ready', START_MS);
    const port = ready.ev === 'ready' ? ready.port : undefined;
    if (port !== undefined) this.ports.set(role, port);
    return port;
  }

  /** Sends `command` to `role` (nothing if it is not running). */
  send(role: Role, command: Command): void {
    this.#running.get(role)?.send(command, () => {});
  }

  /** The next event of `role` that `match` accepts; rejects after `ms`. */
  expect(
    role: Role,
    match: (event: ChildEvent) => boolean,
    what: string,
    ms: number,
  ): Promise<ChildEvent> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        role,
        match,
        take: (event) => {
          clearTimeout(timer);
          resolve(event);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`${role} process: no ${what} within ${ms} ms`));
      }, ms);
      this.#waiters.add(waiter);
    });
  }

  /** SIGKILLs `role` and waits for it to be gone. */
  async kill(role: Role): Promise<void> {
    const child = this.#running.get(role);
    if (!child) return;
    this.#running.delete(role);
    await exited(child, () => child.kill('SIGKILL'));
  }

  /**
   * Asks `role` to retire (close everything, then exit) and waits for its exit, SIGKILLing it
   * after `ms`; resolves with what went wrong, or undefined when it exited with status 0.
   */
  async retire(role: Role, ms: number): Promise<string | undefined> {
    const child = this.#running.get(role);
    if (!child) return `not running`;
    this.#running.delete(role);
    const exit = new Promise<string>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ?? `exit code ${code}`)),
    );
    child.send({ op: 'retire' } satisfies Command, () => {});
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    const how = await exit;
    clearTimeout(timer);
    if (how === 'exit code 0') return undefined;
    return how === 'SIGKILL' ? `did not exit within ${ms} ms` : `exited with ${how}`;
  }

  /** Lets every child exit (IPC disconnect), SIGKILLing those that do not in time. */
  async stop(): Promise<void> {
    const children = [...this.#running.values()];
    this.#running.clear();
    const ask = (child: ChildProcess) => () =>
      child.connected ? child.disconnect() : child.kill('SIGKILL');
    await Promise.all(children.map((child) => exited(child, ask(child))));
  }

  /** SIGKILLs every child at once (process exit, signals). */
  killNow(): void {
    for (const child of this.#running.values()) child.kill('SIGKILL');
    this.#running.clear();
  }

  #deliver(role: Role, event: ChildEvent): void {
    for (const waiter of this.#waiters) {
      if (waiter.role !== role || !waiter.match(event)) continue;
      this.#waiters.delete(waiter);
      waiter.take(event);
      break;
    }
    this.handlers.event(role, event);
  }
}

/** Runs `ask` and waits until `child` exited; SIGKILLs it if it has not within EXIT_MS. */
function exited(child: ChildProcess, ask: () => void): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    ask();
  });
}
