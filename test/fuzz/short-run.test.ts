// Short, fixed-seed fuzz runs of both targets on the instrumented core (see run-fuzz.ts for
// long runs): no oracle may break, and each run must keep reaching the branch arms of the
// code it is about, so that coverage cannot silently drop when the core grows.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { branchRatio, formatCoverage } from './coverage.js';
import { fuzz, type FuzzTargetName } from './fuzz-loop.js';

interface ShortRun {
  target: FuzzTargetName;
  seed: number;
  runs: number;
  /** The files whose branch arms count, and the share of them the run must reach. */
  files: RegExp;
  floor: number;
}

async function shortRun({ target, seed, runs, files, floor }: ShortRun): Promise<void> {
  const summary = await fuzz({
    target,
    seed,
    runs,
    seconds: 40,
    maxFailures: 1,
    coverage: true,
    save: false,
  });
  const [finding] = summary.findings;
  if (finding) {
    const hex = Buffer.from(finding.bytes).toString('hex');
    const replay = `npm run fuzz -- --target ${target} --seed ${seed} --runs ${runs}`;
    assert.unreachable(`${finding.message}\ninput ${hex} (replay: ${replay})`);
  }
  assert.is(summary.runs, runs, 'the time cap cut the run short');
  const report = summary.coverage;
  assert.ok(report, 'no coverage report');
  const { reached, total } = branchRatio(report, files);
  assert.ok(total > 0, 'no branch probes: the coverage transform did not run');
  const message = `branch arms reached ${reached}/${total}\n${formatCoverage(report).join('\n')}`;
  assert.ok(reached / total >= floor, message);
  console.log(`  ${target} fuzz: branch arms reached ${reached}/${total}`);
}

test('FUZZ: 2,000 programs from a fixed seed break no oracle and reach the core branches', () =>
  shortRun({
    target: 'rings',
    seed: 0x5eed,
    runs: 2000,
    files: /^assembly\/(ring|msg-ring|queue)\.ts$/,
    floor: 0.95,
  }));

test('FUZZ-SES: 1,500 hostile-peer programs break no oracle and reach the protocol branches', () =>
  shortRun({
    target: 'session',
    seed: 0x5e55,
    runs: 1500,
    files: /^assembly\/session\/(send|recv)\.ts$/,
    floor: 0.94,
  }));

test.run();
