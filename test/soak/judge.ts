// The soak's checker, in the orchestrator: gathers what both ends of every connection report,
// watches for stalls, and once every end still alive has closed, judges the connection by
// what its close kinds guarantee (outcome.ts). The first failure stops the run.
import type { ChildEvent, End, EndReport, LegTotals, Role, Totals } from './messages.js';
import type { SoakOptions } from './options.js';
import { connectionProblems, isAbortive, type ConnRecord } from './outcome.js';
import { connParams, writerPlan } from './plan.js';

/** How long the server may take to name a connection after its client closed or died, ms. */
const IDENTIFY_GRACE_MS = 3000;

/** Counts for the summary line. */
export interface JudgeStats {
  judged: number;
  proxied: number;
  graceful: number;
  aborted: number;
  throughKills: number;
  bytesC2s: number;
  bytesS2c: number;
  endsOnTransport: number;
  legs: number;
  enobufs: number;
  unidentified: number;
}

/** Gathers reports, judges connections, and calls `onFail` once with the first failure. */
export class Judge {
  readonly stats: JudgeStats = {
    judged: 0,
    proxied: 0,
    graceful: 0,
    aborted: 0,
    throughKills: 0,
    bytesC2s: 0,
    bytesS2c: 0,
    endsOnTransport: 0,
    legs: 0,
    enobufs: 0,
    unidentified: 0,
  };
  readonly #conns = new Map<number, ConnRecord>();
  #failure: string | undefined;

  constructor(
    readonly options: SoakOptions,
    readonly onFail: (message: string) => void,
  ) {}

  get transport(): string {
    return this.options.transport;
  }

  /** The first failure, if any. */
  get failure(): string | undefined {
    return this.#failure;
  }

  /** Connections opened and not judged yet. */
  get pending(): number {
    return this.#conns.size;
  }

  /** Fails the run (only the first failure counts). */
  fail(message: string): void {
    if (this.#failure) return;
    this.#failure = message;
    this.onFail(message);
  }

  /** Processes retiring now: a connection that races a retirement may find it gone. */
  readonly #retiring = new Set<Role>();

  /** The orchestrator asked the client to open connection `id`. */
  opened(id: number, via: ConnRecord['via']): void {
    const ends = { client: {}, server: {} };
    const conn: ConnRecord = { id, via, ends, dead: new Set(), lastChange: Date.now() };
    this.#conns.set(id, conn);
    for (const role of this.#retiring) this.#racing(conn, role);
  }

  /**
   * `victim` starts retiring (it exits once its connections closed): a connection opened
   * until it is back, or still on its way to the server now, may reach the process as it
   * exits, and fail at connect as it would over TCP, with a reset or a refusal.
   */
  retiring(victim: Role): void {
    this.#retiring.add(victim);
    for (const conn of this.#conns.values()) {
      if (!conn.ends.server.report && !conn.ends.server.opened) this.#racing(conn, victim);
    }
  }

  /** `victim` is back after retiring. */
  retired(victim: Role): void {
    this.#retiring.delete(victim);
  }

  #racing(conn: ConnRecord, victim: Role): void {
    if (victim === 'proxy' && conn.via !== 'proxy') return;
    if (victim !== 'client') conn.dead.add(victim);
  }

  /** `victim` is about to be SIGKILLed: every connection it is part of loses it. */
  killed(victim: Role): void {
    const now = Date.now();
    for (const conn of this.#conns.values()) {
      if (victim === 'proxy' && conn.via !== 'proxy') continue;
      conn.dead.add(victim);
      conn.lastChange = now;
      if (victim === 'client') conn.clientGoneAt ??= now;
    }
  }

  /** An event of a child. */
  event(role: Role, event: ChildEvent): void {
    if (event.ev === 'fail') {
      const conn = event.id === undefined ? undefined : this.#conns.get(event.id);
      const where = event.id === undefined ? role : `conn #${event.id} ${event.end} end`;
      const state = conn ? `\n${this.#describe(conn)}` : '';
      return this.fail(`${where}: ${event.check}: ${event.detail}${state}`);
    }
    if (event.ev === 'unidentified') this.stats.unidentified += 1;
    if (event.ev === 'leg') this.#leg(event.transport);
    if (event.ev === 'relay') {
      const conn = this.#conns.get(event.id);
      if (conn) conn.relay = { clientLeg: event.clientLeg, serverLeg: event.serverLeg };
    }
    if (event.ev !== 'open' && event.ev !== 'progress' && event.ev !== 'closed') return;
    // Reports of a connection already judged (a server end named late) change nothing.
    const conn = this.#conns.get(event.id);
    if (!conn) return;
    const end = conn.ends[event.end];
    conn.lastChange = Date.now();
    if (event.ev === 'open') this.#open(conn, event.end, event.transport);
    else if (event.ev === 'progress') end.totals = event.totals;
    else this.#closed(conn, event.end, event.report);
  }

  /** Judges every connection that is over, and fails one that made no progress too long. */
  tick(now: number): void {
    for (const conn of this.#conns.values()) {
      if (this.#over(conn, now)) this.#judge(conn);
      else if (now - conn.lastChange > this.options.stallSeconds * 1000) {
        this.fail(`stall: ${this.#idle(conn, now)}`);
      }
      if (this.#failure) return;
    }
  }

  /** Why the connections left are not over yet (the run's end came first). */
  describePending(now: number): string {
    return [...this.#conns.values()].map((conn) => this.#idle(conn, now)).join('\n');
  }

  #leg(transport: string): void {
    this.stats.legs += 1;
    if (transport !== this.transport) {
      this.fail(`proxy: a leg runs over ${transport}, not ${this.transport}`);
    }
  }

  #open(conn: ConnRecord, end: End, transport: string): void {
    conn.ends[end].opened = true;
    if (transport === this.transport) this.stats.endsOnTransport += 1;
    else this.fail(`conn #${conn.id} ${end} end: runs over ${transport}, not ${this.transport}`);
  }

  #closed(conn: ConnRecord, end: End, report: EndReport): void {
    conn.ends[end].report = report;
    conn.ends[end].totals = report;
    if (end === 'client') conn.clientGoneAt ??= Date.now();
  }

  #over(conn: ConnRecord, now: number): boolean {
    const done = (end: End): boolean => conn.ends[end].report !== undefined || conn.dead.has(end);
    if (!done('client')) return false;
    if (done('server')) return true;
    // A server end that never named the connection: its client aborted before the header.
    const gone = conn.clientGoneAt ?? now;
    return !conn.ends.server.opened && now - gone > IDENTIFY_GRACE_MS;
  }

  #judge(conn: ConnRecord): void {
    this.#conns.delete(conn.id);
    const problems = connectionProblems(conn);
    if (problems.length > 0) {
      return this.fail(`conn #${conn.id}: ${problems.join('; ')}\n${this.#describe(conn)}`);
    }
    this.#count(conn);
  }

  #count(conn: ConnRecord): void {
    const stats = this.stats;
    stats.judged += 1;
    if (conn.via === 'proxy') stats.proxied += 1;
    if (conn.dead.size > 0) stats.throughKills += 1;
    else if (isAbortive(conn)) stats.aborted += 1;
    else stats.graceful += 1;
    stats.bytesC2s += conn.ends.server.totals?.received ?? 0;
    stats.bytesS2c += conn.ends.client.totals?.received ?? 0;
    stats.enobufs +=
      (conn.ends.client.report?.enobufs ?? 0) + (conn.ends.server.report?.enobufs ?? 0);
  }

  #idle(conn: ConnRecord, now: number): string {
    const idle = ((now - conn.lastChange) / 1000).toFixed(1);
    return `conn #${conn.id} made no progress for ${idle} s\n${this.#describe(conn)}`;
  }

  /** Both ends of `conn` as a failure shows them, with what their plans were. */
  #describe(conn: ConnRecord): string {
    const { seed, transport, maxWrite } = this.options;
    const { sanBufferBytes } = connParams(seed, conn.id, transport);
    const bulk = sanBufferBytes === undefined ? '' : `, sanBufferBytes ${sanBufferBytes}`;
    const lines = [`  ${conn.via === 'proxy' ? 'through the proxy' : 'direct'}${bulk}`];
    for (const end of ['client', 'server'] as const) {
      const state = conn.ends[end];
      const plan = writerPlan(seed, conn.id, end, maxWrite);
      const status = state.report
        ? `closed: ${JSON.stringify(state.report)}`
        : `${state.opened ? 'open' : 'not open'}, ${totalsText(state.totals)}`;
      const killed = conn.dead.has(end) ? ' (killed)' : '';
      lines.push(
        `  ${end} end${killed}, plan ${plan.steps.length} steps then ${plan.terminal}: ${status}`,
      );
    }
    if (conn.relay) {
      const leg = ({ read, written, buffered, state }: LegTotals): string =>
        `read ${read} B, wrote ${written} B (${buffered} B of it buffered) [${state.join(' ')}]`;
      const { clientLeg, serverLeg } = conn.relay;
      lines.push(`  proxy: client leg ${leg(clientLeg)}; server leg ${leg(serverLeg)}`);
    }
    if (conn.dead.has('proxy')) lines.push('  the proxy was killed');
    return lines.join('\n');
  }
}

function totalsText(totals: Totals | undefined): string {
  if (!totals) return 'nothing reported';
  return `wrote ${totals.attempted} B (${totals.acked} acknowledged), received ${totals.received} B`;
}
