// Every random decision of the soak, drawn from seeded streams (prng.ts): the run's schedule
// of connections and kills, each connection's parameters, and what each end of it writes and
// how it reads. Decisions are drawn whole and up front (or in an order no outcome changes),
// so that one seed always yields the same sequence of them, whatever the timing.
import { Prng } from './prng.js';
import type { End, Role, TransportName } from './messages.js';

/** shm's default bulk area per side (sanBufferBytes), which registered memory comes from. */
const SHM_DEFAULT_BULK = 256 * 1024;

const KILLED = [
  ['server', 4],
  ['proxy', 3],
  ['client', 3],
] as const;
const RETIRED = [
  ['server', 1],
  ['client', 1],
] as const;

/**
 * One entry of the run's schedule, `at` ms after the start: open a connection, SIGKILL a
 * process, or retire one (it ends every connection it has, exits once they all closed, and is
 * started again: its peers must still get every byte, as over TCP).
 */
export type ScheduledEvent =
  { at: number; kind: 'open'; id: number } | { at: number; kind: 'kill' | 'retire'; victim: Role };

/**
 * Connections opened every 20..600 ms; every 3..9 s (the first after 2..5 s) a process is
 * killed (two times in three) or retired.
 */
export function buildSchedule(seed: number, seconds: number): ScheduledEvent[] {
  const prng = new Prng(seed, 'schedule');
  const events: ScheduledEvent[] = [];
  const endMs = seconds * 1000;
  for (let at = 0, id = 0; at < endMs; at += prng.int(20, 600)) {
    events.push({ at, kind: 'open', id: id++ });
  }
  for (let at = prng.int(2000, 5000); at < endMs; at += prng.int(3000, 9000)) {
    const kill = prng.chance(2 / 3);
    events.push({ at, kind: kill ? 'kill' : 'retire', victim: prng.pick(kill ? KILLED : RETIRED) });
  }
  return events.sort((a, b) => a.at - b.at);
}

/** What both ends (and the orchestrator) know of a connection from its id alone. */
export interface ConnParams {
  via: 'direct' | 'proxy';
  /** The client's sanBufferBytes (shm only; undefined: the default). */
  sanBufferBytes: number | undefined;
}

/** A third of the connections go through the proxy; shm ones get one of three bulk sizes. */
export function connParams(seed: number, id: number, transport: TransportName): ConnParams {
  const prng = new Prng(seed, 'conn', id);
  const via = prng.chance(0.35) ? 'proxy' : 'direct';
  const bulk = prng.pick<number | undefined>([
    [undefined, 2],
    [1 << 20, 1],
    [4 << 20, 1],
  ]);
  return { via, sanBufferBytes: transport === 'tcp' ? undefined : bulk };
}

/** The largest registered buffer `end` allocates: half the bulk area of its own leg. */
export function registeredCap(params: ConnParams, end: End, maxWrite: number): number {
  const ownLeg = end === 'client' || params.via === 'direct';
  const bulk = (ownLeg ? params.sanBufferBytes : undefined) ?? SHM_DEFAULT_BULK;
  return Math.min(maxWrite, bulk / 2);
}

/** One step of a writer. */
export type WriteStep =
  | { kind: 'write' | 'send' | 'registered'; bytes: number }
  | { kind: 'burst'; sizes: number[] }
  | { kind: 'sleep'; ms: number };

/** How a writer closes: gracefully, or abortively after `delayMs` (data may be in flight). */
export type Terminal = 'end' | 'destroy' | 'reset';

/** Everything one end of one connection writes, and how it closes. */
export interface WriterPlan {
  steps: WriteStep[];
  terminal: Terminal;
  delayMs: number;
}

/** 0..24 steps, then end() (84%), destroy() (8%) or resetAndDestroy() (8%). */
export function writerPlan(seed: number, id: number, end: End, maxWrite: number): WriterPlan {
  const prng = new Prng(seed, 'writer', id, end);
  const count = prng.int(0, 24);
  const steps = Array.from({ length: count }, () => writeStep(prng, maxWrite));
  const terminal = prng.pick<Terminal>([
    ['end', 84],
    ['destroy', 8],
    ['reset', 8],
  ]);
  return { steps, terminal, delayMs: prng.int(0, 300) };
}

function writeStep(prng: Prng, maxWrite: number): WriteStep {
  const kind = prng.pick([
    ['write', 45],
    ['send', 15],
    ['registered', 12],
    ['burst', 13],
    ['sleep', 15],
  ] as const);
  if (kind === 'sleep') return { kind, ms: prng.int(0, 200) };
  if (kind === 'burst') {
    return { kind, sizes: Array.from({ length: prng.int(2, 16) }, () => prng.size(4096)) };
  }
  return { kind, bytes: prng.size(maxWrite) };
}

/** One step of a reader: flowing or paused for `ms`, or `count` recv() calls in a row. */
export type ReadStep =
  | { kind: 'flow' | 'pause'; ms: number }
  | { kind: 'recv'; count: number; bytes: number; into: boolean };

/** The endless sequence of one end's read steps. */
export function readerSteps(seed: number, id: number, end: End, maxWrite: number): () => ReadStep {
  const prng = new Prng(seed, 'reader', id, end);
  return () => {
    const kind = prng.pick([
      ['flow', 55],
      ['pause', 25],
      ['recv', 20],
    ] as const);
    if (kind === 'flow') return { kind, ms: prng.int(20, 400) };
    // Mostly short pauses, some long enough to fill every buffer on the way.
    if (kind === 'pause') return { kind, ms: Math.floor(800 * prng.next() ** 2) };
    const bytes = Math.max(1, prng.size(maxWrite));
    return { kind, count: prng.int(1, 6), bytes, into: prng.chance(0.5) };
  };
}
