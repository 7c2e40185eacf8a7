// The measurement behind the streaming suites (throughput, message rate, large messages):
// untimed warm-up, then timed runs with subjects taking turns, each timed from the first
// write to the receiver's acknowledgement of the last byte.
import type { SuiteContext } from '../suite.js';
import type { Metric, Unit } from '../results.js';
import { recordRuns, withNetPairs } from './net-side-by-side.js';

/** One streaming measurement: `totalBytes` in writes of `writeBytes`, `runs` times. */
export interface StreamPlan {
  suite: string;
  case: string;
  totalBytes: number;
  writeBytes: number;
  /** Write from a registered buffer where the subject has them. */
  registered?: boolean;
  runs: number;
  /** What to report per run, from the bytes and seconds it took. */
  metric: Metric;
  unit: Unit;
  rate(bytes: number, seconds: number): number;
}

/** Runs `plan` for every subject side by side and records the median and range. */
export async function measureStream(context: SuiteContext, plan: StreamPlan): Promise<void> {
  await withNetPairs(context, plan.suite, async (pairs) => {
    const { writeBytes, registered } = plan;
    // Untimed: connection set-up paths and both ends' code reaching the optimising tiers.
    const warmupBytes = Math.max(
      writeBytes,
      Math.floor(plan.totalBytes / 8 / writeBytes) * writeBytes,
    );
    for (const pair of pairs)
      await pair.run({ kind: 'stream', totalBytes: warmupBytes, writeBytes, registered });
    const rates = pairs.map((): number[] => []);
    for (let run = 0; run < plan.runs; run++) {
      for (const [index, pair] of pairs.entries()) {
        const result = await pair.run({
          kind: 'stream',
          totalBytes: plan.totalBytes,
          writeBytes,
          registered,
        });
        rates[index]!.push(plan.rate(plan.totalBytes, result.elapsedNs! / 1e9));
      }
    }
    for (const [index, pair] of pairs.entries()) {
      const key = { suite: plan.suite, case: plan.case, metric: plan.metric, unit: plan.unit };
      recordRuns(context, pair, key, rates[index]!);
      context.log(`${plan.suite} ${plan.case} ${pair.subject.name}: ${plan.runs} runs done`);
    }
  });
}
