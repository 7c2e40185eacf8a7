// scripts/conformance.mjs on the fixture suite test/fixtures/conformance/ (shaped like Node's:
// test/parallel/test-*.js, test/common/): one file passes on both runs (an echo, over shm
// under the preload, with a `// Flags:` line), one skips itself, one fails on node:net too,
// one fails only under the preload and one hangs only under the preload (with a child of its
// own, which the timeout must kill with it). Checks the printed counts, the reasons, the JSON
// and the exit codes of --min-ratio and of bad arguments. Needs dist/ (npm run build:ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SUITE = 'test/fixtures/conformance';
/** Short, so the hanging fixture costs little; the others take well under a second. */
const TIMEOUT_MS = 3000;

interface RunOutcome {
  status: 'pass' | 'skip' | 'fail' | 'timeout';
  reason: string | null;
  code: number | null;
  signal: string | null;
  transports: Record<string, number>;
  stderrTail: string[];
}

interface FileResult {
  file: string;
  flags: string[];
  nodeNet: RunOutcome;
  sanswitch: RunOutcome;
}

interface Report {
  summary: {
    files: number;
    passedNodeNet: number;
    skipped: number;
    failedNodeNet: number;
    passedSanswitch: number;
    ratio: number | null;
    transports: { filesWithShm: number; sockets: Record<string, number> };
  };
  results: FileResult[];
}

/** Runs the runner to its exit (killed past 30 s, so a hang fails here rather than the suite). */
async function runner(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['scripts/conformance.mjs', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, out, err };
}

/** Whether pid runs; a zombie does not (a killed orphan stays one until init reaps it). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // No /proc to tell a zombie by: take kill(pid, 0) at its word.
  if (!existsSync('/proc/self')) return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false; // It went between the two looks.
  }
}

test('the fixture suite: counts, ratio, transports, reasons and the JSON of every file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'conformance-runner-'));
  try {
    const json = join(dir, 'results.json');
    const started = Date.now();
    const args = ['--suite', SUITE, '--jobs', '4', '--timeout-ms', `${TIMEOUT_MS}`];
    const { code, out } = await runner([...args, '--json', json]);
    assert.is(code, 0, out);
    // The hang ends at the timeout, not at the runner's 20 s default.
    assert.ok(Date.now() - started < 15_000, 'the run outlasted its timeout');

    assert.match(out, /^files:\s+5$/m);
    assert.match(out, /^passed on node:net:\s+3$/m);
    assert.match(out, /^skipped:\s+1$/m);
    assert.match(out, /^passed over sanswitch:\s+1 of 3$/m);
    assert.match(out, /^ratio:\s+0\.333$/m);
    assert.match(out, /^files with a shm connection: 1 /m);
    assert.match(
      out,
      /^ {2}test-net-fails-under-preload\.js {2}exit 1: AssertionError \[ERR_ASSERTION\]: fixture refuses the preload$/m,
    );
    assert.match(out, /^ {2}test-net-hangs-under-preload\.js {2}timeout/m);
    // Listed apart: it fails on node:net already, so it is no regression of the switch.
    assert.match(
      out,
      /^ {2}test-net-fails-everywhere\.js {2}exit 3: Mismatched <anonymous> function calls\. Expected exactly 1, actual 0\.$/m,
    );
    assert.not.match(out, /test-net-echo\.js|test-net-skips\.js/);

    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    const byFile = new Map(report.results.map((r) => [r.file, r]));
    assert.equal(
      { ...report.summary, transports: undefined },
      {
        files: 5,
        passedNodeNet: 3,
        skipped: 1,
        failedNodeNet: 1,
        passedSanswitch: 1,
        ratio: 1 / 3,
        transports: undefined,
      },
    );
    const echo = byFile.get('test-net-echo.js');
    assert.equal(echo?.flags, ['--expose-gc']);
    assert.is(echo?.nodeNet.status, 'pass');
    assert.is(echo?.sanswitch.status, 'pass');
    // Both ends of the echo are in one process, so under the preload both sockets are shm.
    assert.equal(echo?.sanswitch.transports, { shm: 2 });
    assert.equal(report.summary.transports.sockets, { shm: 2 });
    assert.is(byFile.get('test-net-skips.js')?.nodeNet.status, 'skip');
    assert.is(byFile.get('test-net-fails-everywhere.js')?.nodeNet.code, 3);
    assert.is(byFile.get('test-net-fails-under-preload.js')?.nodeNet.status, 'pass');
    assert.is(byFile.get('test-net-fails-under-preload.js')?.sanswitch.code, 1);

    const hang = byFile.get('test-net-hangs-under-preload.js');
    assert.is(hang?.nodeNet.status, 'pass');
    assert.is(hang?.sanswitch.status, 'timeout');
    const pid = Number(/grandchild (\d+)/.exec(hang?.sanswitch.stderrTail.join('\n') ?? '')?.[1]);
    assert.ok(pid > 0, 'the hanging fixture printed its child');
    assert.not.ok(alive(pid), 'the timeout left the test’s child running');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--min-ratio: exit 1 below it, 0 at or above it', async () => {
  const below = await runner(['--suite', SUITE, '--filter', 'fails-under', '--min-ratio', '0.5']);
  assert.is(below.code, 1, below.out);
  assert.match(below.out, /ratio below --min-ratio 0\.5/);
  const above = await runner(['--suite', SUITE, '--filter', 'echo', '--min-ratio', '1']);
  assert.is(above.code, 0, above.out);
  assert.match(above.out, /^ratio:\s+1\.000$/m);
});

test('bad arguments and a missing suite exit 2 with a message', async () => {
  const cases: [string[], RegExp][] = [
    [[], /--suite DIR is required/],
    [['--suite', 'test/fixtures/no-such-suite'], /no suite at .*no-such-suite/],
    [['--suite', SUITE, '--jobs', '0'], /--jobs wants a positive integer/],
    [['--suite', SUITE, '--timeout-ms', 'soon'], /--timeout-ms wants a positive integer/],
    [['--suite', SUITE, '--min-ratio', '2'], /--min-ratio wants a number from 0 to 1/],
    [['--suite', SUITE, '--filter', '('], /--filter: Invalid regular expression/],
    [['--suite', SUITE, '--filter', 'nothing-matches'], /no test-\*\.js or test-\*\.mjs file/],
    [['--suite', SUITE, '--bogus'], /Unknown option '--bogus'/],
  ];
  for (const [args, message] of cases) {
    const { code, err } = await runner(args);
    assert.is(code, 2, `${args.join(' ')}: ${err}`);
    assert.match(err, message);
    assert.match(err, /^usage: node scripts\/conformance\.mjs/m);
  }
});

test.run();
