// Suite `net-rtt`: 64 B ping-pong between two processes, each subject in turn: p50 and p99 of
// 10,000 round trips on one connection after 1,000 untimed ones.
import type { Suite } from '../suite.js';
import { recordValue, withNetPairs } from './net-side-by-side.js';

const SUITE = 'net-rtt';
const BYTES = 64;
const ROUNDS = 10_000;
const WARMUP = 1_000;
/** `--quick`: 1/10 of both. */
const QUICK_DIVISOR = 10;

/** Round-trip latency of 64 B messages, sanswitch vs node:net. */
export const netRtt: Suite = {
  name: SUITE,
  description: `64 B ping-pong, p50 and p99 of ${ROUNDS} round trips after ${WARMUP} (two processes)`,
  async run(context) {
    const divisor = context.quick ? QUICK_DIVISOR : 1;
    await withNetPairs(context, SUITE, async (pairs) => {
      for (const pair of pairs) {
        const rounds = ROUNDS / divisor;
        const result = await pair.run({
          kind: 'rtt',
          warmup: WARMUP / divisor,
          rounds,
          bytes: BYTES,
        });
        const key = { suite: SUITE, case: `${BYTES}B`, unit: 'us' } as const;
        recordValue(context, pair, { ...key, metric: 'rtt_p50_us' }, result.p50Us!, {
          runs: rounds,
        });
        recordValue(context, pair, { ...key, metric: 'rtt_p99_us' }, result.p99Us!, {
          runs: rounds,
        });
        context.log(`${SUITE} ${pair.subject.name}: p50 ${result.p50Us!.toFixed(1)} µs`);
      }
    });
  },
};
