// A short, fixed-seed fuzz run of the session target (session-target.ts) on the instrumented
// core: a hostile connector must break no oracle, and the run must keep reaching the branch
// arms of the session protocol's send and receive code, so that coverage cannot silently drop.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { branchRatio, formatCoverage } from './coverage.js';
import { fuzz } from './fuzz-loop.js';

const SEED = 0x5e55;
const RUNS = 1500;
/** Share of branch arms in session/send.ts and session/recv.ts the run must reach. */
const BRANCH_FLOOR = 0.7;

test('FUZZ-SES: 1,500 hostile-peer programs break no oracle and reach the protocol branches', async () => {
  const summary = await fuzz({
    target: 'session',
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
      `${finding.message}\ninput ${hex} (replay: npm run fuzz -- --target session --seed ${SEED} --runs ${RUNS})`,
    );
  }
  assert.is(summary.runs, RUNS, 'the time cap cut the run short');
  const report = summary.coverage;
  assert.ok(report, 'no coverage report');
  const { reached, total } = branchRatio(report, /^assembly\/session\/(send|recv)\.ts$/);
  assert.ok(total > 0, 'no branch probes: the coverage transform did not run');
  const message = `branch arms reached ${reached}/${total}\n${formatCoverage(report).join('\n')}`;
  assert.ok(reached / total >= BRANCH_FLOOR, message);
  console.log(`  session fuzz: branch arms of send.ts and recv.ts reached ${reached}/${total}`);
});

test.run();
