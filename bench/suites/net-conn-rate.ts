// Suite `net-conn-rate`: connections made one after another between two processes, each
// carrying one byte each way and closed (the client waits for the close) before the next.
import type { Suite } from '../suite.js';
import { recordRuns, withNetPairs } from './net-side-by-side.js';

const SUITE = 'net-conn-rate';
const CONNECTIONS = 500;
const WARMUP = 50;
const RUNS = 3;

/** Connection set-up and tear-down rate, sanswitch vs node:net. */
export const netConnRate: Suite = {
  name: SUITE,
  description: `${CONNECTIONS} sequential connect, 1 byte each way, close; median of ${RUNS} runs`,
  async run(context) {
    const count = context.quick ? CONNECTIONS / 10 : CONNECTIONS;
    const runs = context.quick ? 1 : RUNS;
    await withNetPairs(context, SUITE, async (pairs) => {
      for (const pair of pairs) await pair.run({ kind: 'conns', count: WARMUP });
      const rates = pairs.map((): number[] => []);
      for (let run = 0; run < runs; run++) {
        for (const [index, pair] of pairs.entries()) {
          const result = await pair.run({ kind: 'conns', count });
          rates[index]!.push(count / (result.elapsedNs! / 1e9));
        }
      }
      for (const [index, pair] of pairs.entries()) {
        const key = { suite: SUITE, case: '1B', metric: 'conns_per_s', unit: 'conn/s' } as const;
        recordRuns(context, pair, key, rates[index]!);
      }
    });
  },
};
