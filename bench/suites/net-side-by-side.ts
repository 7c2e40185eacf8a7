// What every net-* suite does around its measurement: start a pair of peer processes per
// subject, take turns run by run, and record each figure with the transport its connections
// really used, so that a sanswitch row that ran over TCP says so instead of passing for shm.
import type { Result } from '../results.js';
import type { SuiteContext } from '../suite.js';
import { NET_BASELINE, NET_SUBJECTS } from '../subjects/net-subjects.js';
import { NetPair } from './net-pair.js';

/** Starts one pair per subject, runs `measure`, and stops them all, whatever happens. */
export async function withNetPairs(
  context: SuiteContext,
  suite: string,
  measure: (pairs: NetPair[]) => Promise<void>,
): Promise<void> {
  context.collector.setBaseline(suite, NET_BASELINE);
  const started = await Promise.allSettled(NET_SUBJECTS.map((subject) => NetPair.start(subject)));
  const pairs = started.flatMap((outcome) =>
    outcome.status === 'fulfilled' ? [outcome.value] : [],
  );
  try {
    const failed = started.find((outcome) => outcome.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    await measure(pairs);
    for (const pair of pairs) logTransport(context, suite, pair);
  } finally {
    await Promise.all(pairs.map((pair) => pair.close()));
  }
}

/** `shm`, or `tcp 3, shm 997` when connections were carried by several transports. */
function transportOf(pair: NetPair): string {
  const entries = Object.entries(pair.transports);
  if (entries.length === 1) return entries[0]![0];
  return entries.map(([transport, count]) => `${transport} ${count}`).join(', ');
}

/** `ran over tcp` when any connection missed the subject's transport; else undefined. */
function noteOf(pair: NetPair): string | undefined {
  const total = Object.values(pair.transports).reduce((sum, count) => sum + count, 0);
  const off = Object.entries(pair.transports).filter(([t]) => t !== pair.subject.transport);
  if (off.length === 0) return undefined;
  const where = off.map(([transport]) => transport).join('/');
  const offCount = off.reduce((sum, [, count]) => sum + count, 0);
  return offCount === total ? `ran over ${where}` : `${offCount} of ${total} ran over ${where}`;
}

function logTransport(context: SuiteContext, suite: string, pair: NetPair): void {
  const note = noteOf(pair);
  if (!note) return;
  const reasons = [...pair.fallbackReasons].join(', ') || 'no reason given';
  context.log(`${suite} ${pair.subject.name}: ${note} (fallback: ${reasons}); not its figures`);
}

type Key = Pick<Result, 'suite' | 'case' | 'metric' | 'unit'>;

/** Records `runs` for `pair` (median, range) with its transport and, if off, a note. */
export function recordRuns(context: SuiteContext, pair: NetPair, key: Key, runs: number[]): void {
  context.collector.addRuns(labelled(pair, key), runs);
}

/** Records one figure for `pair` with its transport and, if off, a note. */
export function recordValue(
  context: SuiteContext,
  pair: NetPair,
  key: Key,
  value: number,
  extra: Pick<Result, 'runs'> = {},
): void {
  context.collector.add({ ...labelled(pair, key), value, ...extra });
}

function labelled(pair: NetPair, key: Key): Omit<Result, 'value'> {
  const note = noteOf(pair);
  return {
    ...key,
    subject: pair.subject.name,
    transport: transportOf(pair),
    ...(note === undefined ? {} : { note }),
  };
}
