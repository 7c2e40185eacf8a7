// Suite `ring-two-threads`: a producer worker and a consumer worker stream messages through
// each ring subject, every message verified, timed to the consumer's last message. Subjects
// take turns run by run, so that machine noise falls on all of them alike.
import type { Suite, SuiteContext } from '../suite.js';
import { MESSAGE_CASES, type MessageCase } from '../subjects/ring-subject.js';
import { RING_BASELINE, RING_SUBJECTS } from '../subjects/index.js';
import { RingPair } from './ring-pair.js';

const SUITE = 'ring-two-threads';

/** Timed runs per subject and case (the median and range are over these). */
const RUNS = 7;
const QUICK_RUNS = 3;

/** Messages per run: 4 M small ones, or 2 GiB of large ones; `--quick` moves 1/16 of it. */
function messagesPerRun(messageCase: MessageCase, quick: boolean): number {
  const full = messageCase.payloadBytes <= 4096 ? 4_000_000 : 2 ** 31 / messageCase.payloadBytes;
  return quick ? full / 16 : full;
}

async function measureCase(context: SuiteContext, messageCase: MessageCase): Promise<void> {
  const count = messagesPerRun(messageCase, context.quick);
  const runs = context.quick ? QUICK_RUNS : RUNS;
  const pairs = RING_SUBJECTS.map((subject) => new RingPair(subject, messageCase.payloadBytes));
  try {
    const rates = pairs.map((): number[] => []);
    // Untimed first run: worker start-up, and both ends' code reaching the optimising tiers.
    for (const pair of pairs) await pair.run(count / 4);
    for (let run = 0; run < runs; run++) {
      for (const [index, pair] of pairs.entries()) {
        const elapsedNs = await pair.run(count);
        rates[index]!.push((count * 1e9) / elapsedNs);
      }
    }
    for (const [index, pair] of pairs.entries()) {
      const key = { suite: SUITE, case: messageCase.name, subject: pair.subject.name };
      const msgs = rates[index]!;
      context.collector.addRuns({ ...key, metric: 'msgs_per_s', unit: 'msg/s' }, msgs);
      context.collector.addRuns(
        { ...key, metric: 'bytes_per_s', unit: 'B/s' },
        msgs.map((rate) => rate * messageCase.payloadBytes),
      );
      context.log(`${SUITE} ${messageCase.name} ${pair.subject.name}: ${runs} runs done`);
    }
  } finally {
    await Promise.all(pairs.map((pair) => pair.close()));
  }
}

/** Two-thread streaming throughput of every ring subject at 64 B and 64 KiB. */
export const ringTwoThreads: Suite = {
  name: SUITE,
  description: `producer and consumer worker threads; median and min–max of ${RUNS} runs`,
  async run(context) {
    context.collector.setBaseline(SUITE, RING_BASELINE);
    for (const messageCase of MESSAGE_CASES) await measureCase(context, messageCase);
  },
};
