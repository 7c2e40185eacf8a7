// A short, fixed-seed fuzz run on the instrumented core (see run-fuzz.ts for long runs): no
// oracle may break, and the fuzzer must keep reaching the branch arms of the ring, message
// ring and queue code, so that coverage cannot silently drop when the core grows.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { branchRatio, formatCoverage } from './coverage.js';
import { fuzz } from './fuzz-loop.js';

const SEED = 0x5eed;
const RUNS = 2000;
/** Share of branch arms in ring.ts, msg-ring.ts and queue.ts the run must reach. */
const BRANCH_FLOOR = 0.95;

test('FUZZ: 2,000 programs from a fixed seed break no oracle and reach the core branches', async () => {
  const summary = await fuzz({
    target: 'rings',
    seed: SEED,
    runs: RUNS,
    seconds: 40,
    maxFailures: 1,
    coverage: true,
    save: false,
  });
  const [finding] = summary.findings;
  if (finding) {
    const hex = Buffer.from(finding.bytes).toString('hex');
    assert.unreachable(
      `${finding.message}\ninput ${hex} (replay: npm run fuzz -- --seed ${SEED} --runs ${RUNS})`,
    );
  }
  assert.is(summary.runs, RUNS, 'the time cap cut the run short');
  const report = summary.coverage;
  assert.ok(report, 'no coverage report');
  const { reached, total } = branchRatio(report, /^assembly\/(ring|msg-ring|queue)\.ts$/);
  assert.ok(total > 0, 'no branch probes: the coverage transform did not run');
  const message = `branch arms reached ${reached}/${total}\n${formatCoverage(report).join('\n')}`;
  assert.ok(reached / total >= BRANCH_FLOOR, message);
});

test.run();
