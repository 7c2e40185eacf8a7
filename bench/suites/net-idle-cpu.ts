// Suite `net-idle-cpu`: the CPU time (user + system, process.cpuUsage, both processes added)
// that one open, idle connection costs over 5 seconds. The subjects idle at the same time:
// an idle connection's CPU time does not depend on what else the machine runs.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Suite } from '../suite.js';
import { recordValue, withNetPairs } from './net-side-by-side.js';

const SUITE = 'net-idle-cpu';
const IDLE_MS = 5_000;
const QUICK_IDLE_MS = 1_000;
/** Left after the connection is set up, so that its set-up is not counted. */
const SETTLE_MS = 200;

/** CPU cost of an idle connection, sanswitch vs node:net. */
export const netIdleCpu: Suite = {
  name: SUITE,
  description: 'CPU ms of both processes over 5 s with one open, idle connection',
  async run(context) {
    const idleMs = context.quick ? QUICK_IDLE_MS : IDLE_MS;
    await withNetPairs(context, SUITE, async (pairs) => {
      await Promise.all(pairs.map((pair) => pair.run({ kind: 'idle-open' })));
      await sleep(SETTLE_MS);
      const before = await Promise.all(pairs.map((pair) => pair.cpuUs()));
      await sleep(idleMs);
      const after = await Promise.all(pairs.map((pair) => pair.cpuUs()));
      await Promise.all(pairs.map((pair) => pair.run({ kind: 'idle-close' })));
      for (const [index, pair] of pairs.entries()) {
        const [server, client] = after[index]!.map(
          (us, side) => (us - before[index]![side]!) / 1e3,
        );
        const key = {
          suite: SUITE,
          case: `${idleMs / 1000}s`,
          metric: 'idle_cpu_ms',
          unit: 'ms',
        } as const;
        recordValue(context, pair, key, server! + client!);
        context.log(
          `${SUITE} ${pair.subject.name}: server ${server!.toFixed(1)} ms, client ${client!.toFixed(1)} ms`,
        );
      }
    });
  },
};
