// Suite `ring-single-thread`: one thread writes a batch of messages into each ring subject
// and reads them back (tinybench tasks), every message verified. Measures the per-message
// cost of each ring's code with no cross-core traffic.
import { Bench, type Task } from 'tinybench';
import type { Suite, SuiteContext } from '../suite.js';
import { percentile } from '../results.js';
import { MESSAGE_CASES, RING_STORAGE_BYTES, type MessageCase } from '../subjects/ring-subject.js';
import { RING_BASELINE, RING_SUBJECTS } from '../subjects/index.js';

const SUITE = 'ring-single-thread';

/** Most write + read pairs per tinybench iteration (amortises the timer's ~50 ns). */
const MAX_PAIRS_PER_ITERATION = 256;

/** tinybench budgets in ms: full run, then `--quick`. */
const TIME_MS = 1000;
const WARMUP_MS = 250;
const QUICK_TIME_MS = 100;
const QUICK_WARMUP_MS = 50;

// One result per metric: the median iteration's rate, the mean, and p10–p90 as the range.
function record(context: SuiteContext, messageCase: MessageCase, task: Task, pairs: number): void {
  const result = task.result;
  if (result.state !== 'completed') throw new Error(`${task.name}: tinybench ${result.state}`);
  const latencyMs = [...(result.latency.samples ?? [])];
  const rate = (ms: number): number => (pairs * 1000) / ms;
  const key = { suite: SUITE, case: messageCase.name, subject: task.name };
  for (const [metric, unit, scale] of [
    ['msgs_per_s', 'msg/s', 1],
    ['bytes_per_s', 'B/s', messageCase.payloadBytes],
  ] as const) {
    context.collector.add({
      ...key,
      metric,
      unit,
      value: rate(percentile(latencyMs, 50)) * scale,
      runs: latencyMs.length,
      min: rate(percentile(latencyMs, 90)) * scale,
      max: rate(percentile(latencyMs, 10)) * scale,
      mean: result.throughput.mean * pairs * scale,
    });
  }
}

async function measureCase(context: SuiteContext, messageCase: MessageCase): Promise<void> {
  // Half the smallest ring at most, so that a batch always fits and nothing spins.
  const pairs = Math.min(
    MAX_PAIRS_PER_ITERATION,
    RING_STORAGE_BYTES / 2 / messageCase.payloadBytes,
  );
  const bench = new Bench({
    name: `${SUITE} ${messageCase.name}`,
    time: context.quick ? QUICK_TIME_MS : TIME_MS,
    warmupTime: context.quick ? QUICK_WARMUP_MS : WARMUP_MS,
    retainSamples: true,
    throws: true,
  });
  const handles = RING_SUBJECTS.map((subject) => {
    const handle = subject.create(messageCase.payloadBytes);
    const producer = subject.openProducer(handle);
    const consumer = subject.openConsumer(handle);
    bench.add(subject.name, () => {
      producer.send(pairs);
      consumer.receive(pairs);
    });
    return { subject, handle };
  });
  try {
    await bench.run();
  } finally {
    for (const { subject, handle } of handles) subject.destroy(handle);
  }
  for (const task of bench.tasks) record(context, messageCase, task, pairs);
  context.log(`${SUITE} ${messageCase.name}: done`);
}

/** Single-thread write + read cost of every ring subject at 64 B and 64 KiB. */
export const ringSingleThread: Suite = {
  name: SUITE,
  description:
    'one thread writes a batch then reads it back (tinybench); median and p10–p90 of iterations',
  async run(context) {
    context.collector.setBaseline(SUITE, RING_BASELINE);
    for (const messageCase of MESSAGE_CASES) await measureCase(context, messageCase);
  },
};
