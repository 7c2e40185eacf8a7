// What each kind of close guarantees, as checks over one finished connection. The content of
// every byte was already checked as it arrived (an exact prefix of its stream); here:
// - nobody aborted, nothing killed: every end finished its end(), each reader got the end of
//   stream after exactly the bytes its writer had acknowledged, and no error anywhere (also
//   when a process retired: it exits right after its last close, and over TCP its peers
//   still get every byte);
// - an end's destroy()/resetAndDestroy(), or a process killed: each reader got a prefix, and
//   if it got an orderly end of stream (a FIN), every byte acknowledged before it. An end of
//   stream is not orderly when the proxy in the middle died (its pending data dies with it,
//   its kernel still sends the FIN), or when the reader had already ended its own side: then
//   node:net reports a reset as an end of stream too. Errors are ECONNRESET or EPIPE (what TCP
//   gives), plus the stream's own codes for writes a destroy cut short; a connect fails only
//   when a process it needs was killed.
import type { End, EndReport, LegTotals, Role, Totals } from './messages.js';

/** What is known of one end of a connection. */
export interface EndState {
  opened?: boolean;
  totals?: Totals;
  report?: EndReport;
}

/** One connection as the judge follows it. */
export interface ConnRecord {
  id: number;
  via: 'direct' | 'proxy';
  ends: Record<End, EndState>;
  /** The processes SIGKILLed while it was open. */
  dead: Set<Role>;
  lastChange: number;
  clientGoneAt?: number;
  /** The proxy's last report of its two legs (connections through it). */
  relay?: { clientLeg: LegTotals; serverLeg: LegTotals };
}

/** Errors a peer's abort (reset, destroy with data left, death) may bring. */
const ABORT_CODES = new Set(['ECONNRESET', 'EPIPE']);
/** A connect to a killed process (refused), or through the proxy to one (reset). */
const CONNECT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET']);
/** What the stream reports for writes and calls that a destroy cut short. */
const CUT_SHORT_CODES = new Set([
  'ERR_STREAM_DESTROYED',
  'ABORT_ERR',
  'ERR_SOCKET_CLOSED',
  'allocBuffer:ENOTCONN',
]);

const DIRECTIONS = [
  { name: 'client→server', writer: 'client', reader: 'server' },
  { name: 'server→client', writer: 'server', reader: 'client' },
] as const;

/** True when some end aborted on purpose or some process of the connection was killed. */
export function isAbortive(conn: ConnRecord): boolean {
  return conn.dead.size > 0 || !!conn.ends.client.report?.abort || !!conn.ends.server.report?.abort;
}

/** Everything wrong with `conn`; empty when it behaved as its closes allow. */
export function connectionProblems(conn: ConnRecord): string[] {
  const abortive = isAbortive(conn);
  const problems: string[] = [];
  if (!abortive && !conn.ends.server.report) {
    problems.push('the server end never reported the connection');
  }
  for (const end of ['client', 'server'] as const) {
    const report = conn.ends[end].report;
    if (report) problems.push(...errorProblems(conn, end, report, abortive));
  }
  for (const direction of DIRECTIONS) {
    const writer = conn.ends[direction.writer];
    const reader = conn.ends[direction.reader].report;
    if (!reader) continue;
    const found = abortive
      ? abortiveProblems(conn, writer, reader)
      : gracefulProblems(writer.report, reader);
    problems.push(...found.map((problem) => `${direction.name}: ${problem}`));
  }
  return problems;
}

function errorProblems(conn: ConnRecord, end: End, report: EndReport, abortive: boolean) {
  if (!report.connected) {
    if (conn.dead.size === 0) return [`${end} end: the connect failed (${report.errors})`];
    const odd = report.errors.filter((code) => !CONNECT_CODES.has(code));
    return odd.map((code) => `${end} end: the connect failed with ${code}`);
  }
  const problems: string[] = [];
  for (const code of [...report.errors, ...report.secondary]) {
    const known = ABORT_CODES.has(code) || CUT_SHORT_CODES.has(code);
    if (!known) problems.push(`${end} end: unexpected error ${code}`);
    else if (!abortive) problems.push(`${end} end: ${code} though no end aborted, nothing killed`);
  }
  return problems;
}

function gracefulProblems(writer: EndReport | undefined, reader: EndReport): string[] {
  if (!writer) return ['the writer never reported'];
  const problems: string[] = [];
  if (!writer.finished) problems.push(`the writer's end() never finished`);
  if (writer.acked !== writer.attempted) {
    problems.push(`only ${writer.acked} of the ${writer.attempted} B written were acknowledged`);
  }
  if (!reader.gotEnd) problems.push('no end of stream after the writer ended');
  if (reader.received !== writer.acked) {
    problems.push(`received ${reader.received} B of the ${writer.acked} B written`);
  }
  return problems;
}

function abortiveProblems(conn: ConnRecord, writer: EndState, reader: EndReport): string[] {
  const problems: string[] = [];
  if (writer.report && reader.received > writer.report.attempted) {
    problems.push(
      `received ${reader.received} B, more than the ${writer.report.attempted} B written`,
    );
  }
  // A writer killed before its close report leaves its last progress: a lower bound.
  const acked = writer.report?.acked ?? writer.totals?.acked ?? 0;
  const orderly = reader.gotEnd && !reader.halfClosedAtEnd && !conn.dead.has('proxy');
  if (orderly && reader.received < acked) {
    problems.push(
      `an orderly end of stream after ${reader.received} B, though ${acked} B were acknowledged to the writer`,
    );
  }
  return problems;
}
