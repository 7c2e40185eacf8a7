// One soak run: starts the server, the proxy and the client processes, plays the seeded
// schedule (connections opened by the client, directly or through the proxy; processes
// SIGKILLed or retired, each then started again), asks every writer to close at the deadline,
// waits for the judge to clear every connection, and stops at the first failure, a stall, or
// the run's hard bound.
import { Children } from './children.js';
import { Judge } from './judge.js';
import type { Role } from './messages.js';
import type { SoakOptions } from './options.js';
import { buildSchedule, connParams } from './plan.js';

/** Most connections open at once; the schedule waits (its decisions stay the same). */
const MAX_LIVE = 12;
const TICK_MS = 250;
/** How long past the deadline plus a stall's length the whole run may take, ms. */
const SLACK_MS = 3000;

/** How a run went: its summary line, and the first failure if any. */
export interface SoakResult {
  summary: string;
  failure?: string;
}

// A deadline already past sleeps 0 ms (Node 24 and later warn about a negative delay).
const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** One run's schedule player. */
class Run {
  readonly kills: Record<Role, number> = { server: 0, proxy: 0, client: 0 };
  readonly retires: Record<Role, number> = { server: 0, proxy: 0, client: 0 };
  /** Every port a server or proxy listened on (their shm endpoints are removed at the end). */
  readonly ports: number[] = [];
  stopped = false;
  startedAt = Date.now();

  constructor(
    readonly options: SoakOptions,
    readonly judge: Judge,
    readonly children: Children,
  ) {}

  /** Plays the whole run; resolves once every connection was judged. */
  async drive(): Promise<void> {
    const { options, children } = this;
    await this.#start('proxy', await this.#start('server'));
    await this.#start('client');
    this.startedAt = Date.now();
    for (const event of buildSchedule(options.seed, options.seconds)) {
      await sleep(this.startedAt + event.at - Date.now());
      if (this.stopped) return;
      if (event.kind === 'open') await this.#open(event.id);
      else await this.#stop(event.victim, event.kind);
    }
    await sleep(this.startedAt + options.seconds * 1000 - Date.now());
    children.send('client', { op: 'wrap' });
    children.send('server', { op: 'wrap' });
    while (this.judge.pending > 0 && !this.stopped) await sleep(TICK_MS);
  }

  async #start(role: Role, target?: number): Promise<number | undefined> {
    const port = await this.children.start(role, target);
    if (port !== undefined) this.ports.push(port);
    return port;
  }

  async #open(id: number): Promise<void> {
    while (this.judge.pending >= MAX_LIVE && !this.stopped) await sleep(TICK_MS / 5);
    const { via } = connParams(this.options.seed, id, this.options.transport);
    const port = this.children.ports.get(via === 'proxy' ? 'proxy' : 'server');
    this.judge.opened(id, via);
    this.children.send('client', { op: 'open', id, port: port ?? 0 });
  }

  /** SIGKILLs or retires `victim`, restarts it and points the others at it again. */
  async #stop(victim: Role, how: 'kill' | 'retire'): Promise<void> {
    const { children } = this;
    if (how === 'kill') {
      this.kills[victim] += 1;
      this.judge.killed(victim);
      await children.kill(victim);
    } else {
      this.retires[victim] += 1;
      this.judge.retiring(victim);
      // Its connections must finish first: as long as a stall may last, and as long again.
      const failure = await children.retire(victim, 2 * this.options.stallSeconds * 1000);
      if (failure) return this.judge.fail(`the ${victim} process, retiring: ${failure}`);
    }
    try {
      await this.#restart(victim);
    } finally {
      this.judge.retired(victim);
    }
  }

  /** Starts `victim` again and points the others at it. */
  async #restart(victim: Role): Promise<void> {
    const { children } = this;
    if (victim === 'client') await this.#start('client');
    if (victim === 'proxy') await this.#start('proxy', children.ports.get('server'));
    if (victim !== 'server') return;
    const port = await this.#start('server');
    const targeted = children.expect('proxy', (e) => e.ev === 'targeted', 'retarget', 5000);
    children.send('proxy', { op: 'target', port: port ?? 0 });
    await targeted;
  }
}

/** Runs the soak `options` describe; never throws, never outlives its bound. */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const stallMs = options.stallSeconds * 1000;
  let fail: (message: string) => void = () => {};
  const failed = new Promise<string>((resolve) => (fail = resolve));
  const judge = new Judge(options, (message) => fail(message));
  const { seed, transport, maxWrite, seconds } = options;
  const children = new Children(
    { seed, transport, maxWrite, waitMs: stallMs, lifetimeMs: (seconds * 3 + 120) * 1000 },
    {
      event: (role, event) => judge.event(role, event),
      died: (role, how) => judge.fail(`the ${role} process died unexpectedly (${how})`),
    },
  );
  const killAll = (): void => children.killNow();
  process.once('exit', killAll);
  const watch = setInterval(() => judge.tick(Date.now()), TICK_MS);
  const run = new Run(options, judge, children);
  try {
    const driven = run.drive().then(
      () => undefined,
      (err: unknown) => (err instanceof Error ? (err.stack ?? err.message) : String(err)),
    );
    const outcome = await Promise.race([driven, failed, bound(run, judge, stallMs)]);
    const failure = judge.failure ?? outcome;
    return { summary: summarize(run, judge, failure === undefined), failure };
  } finally {
    run.stopped = true;
    clearInterval(watch);
    await children.stop();
    process.off('exit', killAll);
    if (transport === 'shm') await removeEndpoints(run.ports);
  }
}

/** Resolves with a failure once the run's hard bound (checked twice a second) passed. */
async function bound(run: Run, judge: Judge, stallMs: number): Promise<string> {
  const limit = (): number => run.startedAt + run.options.seconds * 1000 + stallMs + SLACK_MS;
  while (Date.now() < limit() && !run.stopped) await sleep(500);
  const open = judge.describePending(Date.now());
  return `the run did not finish within its bound; still open:\n${open}`;
}

function mib(bytes: number): string {
  return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}

/** The summary line: connections, bytes each way, kills, retirements and transports. */
function summarize(run: Run, judge: Judge, ok: boolean): string {
  const s = judge.stats;
  const { seed, transport } = run.options;
  const elapsed = ((Date.now() - run.startedAt) / 1000).toFixed(1);
  const kills = run.kills.server + run.kills.proxy + run.kills.client;
  return (
    `soak ${ok ? 'ok' : 'FAILED'}: seed ${seed}, ${transport}, ${elapsed} s, ` +
    `${s.judged} connections (${s.proxied} through the proxy; ${s.graceful} graceful, ` +
    `${s.aborted} aborted, ${s.throughKills} through kills), ` +
    `client→server ${mib(s.bytesC2s)}, server→client ${mib(s.bytesS2c)}, ` +
    `${kills} kills (server ${run.kills.server}, proxy ${run.kills.proxy}, ` +
    `client ${run.kills.client}), ${run.retires.server + run.retires.client} retired ` +
    `(server ${run.retires.server}, client ${run.retires.client}), ` +
    `${s.endsOnTransport} ends and ${s.legs} proxy legs ` +
    `on ${transport}, ${s.enobufs} ENOBUFS fallbacks, ` +
    `${s.unidentified} server sockets closed before their header`
  );
}

/** Removes the shm endpoints the run's listeners leave (a killed one cannot). */
async function removeEndpoints(ports: number[]): Promise<void> {
  const rendezvous = await import('../../src/providers/shm/rendezvous.js');
  for (const port of ports) {
    const path = rendezvous.endpointPath('127.0.0.1', port);
    rendezvous.removeEndpoint(path, rendezvous.endpointInode(path));
  }
}
