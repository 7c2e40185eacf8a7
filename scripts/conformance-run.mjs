// One conformance test file in one process, for scripts/conformance.mjs: reads the file's
// `// Flags:` line, runs it as Node's own CI does (`node test/parallel/FILE` from the suite's
// directory, in a process group of its own, bounded by a timeout), and returns what the
// runner reports: pass, skip, fail or timeout, the exit code or signal, a one-line reason,
// and the transports that report-transport.mjs printed on stderr for each socket.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/** Node's test.py takes every `// Flags:` line, each a whitespace-separated list. */
const FLAGS_LINE = /^\/\/\s*Flags:(.*)$/gm;
/** What common.skip() prints on stdout before it exits 0. */
const SKIP_LINE = /^1\.\.0 # Skipped:?\s*(.*)$/;
/** Lines kept of each stream (less the transport reports): the tail holds the error. */
const TAIL_LINES = 200;
/** After the test's own process exits, how long its pipes may stay open (a detached child). */
const CLOSE_GRACE_MS = 2000;
const REASON_MAX = 160;

/**
 * The suite's test files whose name matches filter, sorted: `test/parallel/test-*.js`, and
 * the few written as ES modules (`test-*.mjs`), which Node's CI runs the same way.
 */
export function listTests(suiteDir, filter) {
  return readdirSync(join(suiteDir, 'test', 'parallel'))
    .filter((name) => /^test-.*\.m?js$/.test(name) && (!filter || filter.test(name)))
    .sort();
}

/**
 * Flags that let an older Node's tests run on the Node running them, the same for both runs:
 * Node 21 added the global `navigator`, which the leak check of Node 20's test harness
 * (common/index.js) reports as an unexpected global in every test.
 */
const COMPAT_FLAGS =
  Number(process.versions.node.split('.')[0]) >= 21 ? ['--no-experimental-global-navigator'] : [];

/** The command-line flags a test file asks for. */
export function readFlags(path) {
  const source = readFileSync(path, 'utf8');
  return [...source.matchAll(FLAGS_LINE)].flatMap((match) => match[1].split(/\s+/).filter(Boolean));
}

/** A report-transport.mjs line, or null for any other stderr line. */
export function parseTransportLine(line) {
  if (!line.startsWith('{"side":')) return null;
  try {
    const report = JSON.parse(line);
    return typeof report.transport === 'string' ? report : null;
  } catch {
    return null;
  }
}

/** Lines that never explain a failure: stack frames, source excerpts, carets, the banner. */
function isNoise(line) {
  return (
    line.trim() === '' ||
    /^\s/.test(line) ||
    /^[\^{}[\]]+,?$/.test(line) ||
    /^Node\.js v\d/.test(line) ||
    /^[\w:./\\-]+:\d+$/.test(line) ||
    /^\d+: /.test(line) ||
    /^-----/.test(line) ||
    /^Emitted '\w+' event/.test(line) ||
    /^\(node:\d+\) (?:\[\w+\] )?\w*Warning: /.test(line) ||
    /^\(Use `node --trace-/.test(line)
  );
}

/**
 * Lines that say why, best first: a thrown error (`AssertionError [ERR_ASSERTION]: …`,
 * `Error: read ECONNRESET`), a native abort (`  #  Assertion failed: …`), and what
 * common.mustCall() prints on stdout at exit.
 */
const CAUSES = [
  /^(?:Uncaught )?[A-Z]?\w*(?:Error|Exception)(?: \[\w+\])?: /,
  /^\s*#\s*Assertion failed: |^FATAL ERROR: /,
  /^Mismatched .* function calls/,
];
/** Lines between assert's message and its values that say nothing about this failure. */
const DIFF_HEADER = /^\+ actual - expected|^\.\.\. Lines skipped|^\.\.\.$|^\^+$/;

/** Where in lines the best cause is: the last line of the best kind, else the last non-noise. */
function causeIndex(lines) {
  for (const cause of CAUSES) {
    const index = lines.findLastIndex((line) => cause.test(line));
    if (index >= 0) return index;
  }
  return lines.findLastIndex((line) => !isNoise(line));
}

/**
 * The one line that best says why a test failed, from its stderr or else its stdout: the
 * cause (with the lines after it when it ends in a colon, as assert's diffs do), the suite's
 * path left out, truncated.
 */
export function lastMeaningfulLine(stderrLines, stdoutLines = [], suiteDir = null) {
  let lines = stderrLines;
  let index = causeIndex(lines);
  if (index < 0) [lines, index] = [stdoutLines, causeIndex(stdoutLines)];
  if (index < 0) return '';
  let text = lines[index].replace(/^\s*#?\s*/, '');
  // assert.strictEqual and friends put the values on the lines after "...equal:".
  const continues = text.endsWith(':');
  for (let next = index + 1; continues && next < lines.length; next += 1) {
    const more = lines[next].trim();
    if (/^at /.test(more) || more === '{') break;
    if (more && !DIFF_HEADER.test(more)) text += ` ${more}`;
    if (text.length > REASON_MAX) break;
  }
  if (suiteDir) text = text.replaceAll(`${suiteDir}/test/parallel/`, '').replaceAll(suiteDir, '');
  return text.length > REASON_MAX ? `${text.slice(0, REASON_MAX - 1)}…` : text;
}

/** Splits a stream into lines as they come, calling onLine with each whole one. */
function onLines(stream, onLine) {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop();
    for (const line of parts) onLine(line.replace(/\r$/, ''));
  });
  stream.on('end', () => rest && onLine(rest));
}

/** The process groups of the tests running now, for killAllTests. */
const live = new Set();

/** Kills every running test's process group (the runner itself is being interrupted). */
export function killAllTests() {
  for (const pid of live) killGroup(pid);
}

/** Kills the test's whole process group; it may already be gone. */
function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: nothing of the group is left.
  }
}

/** Collects the per-socket reports into counts: { shm: 2, 'node:net': 1 } and fallback reasons. */
function transportTally() {
  const transports = {};
  const fallbackReasons = {};
  return {
    transports,
    fallbackReasons,
    add(report) {
      transports[report.transport] = (transports[report.transport] ?? 0) + 1;
      if (report.fallbackReason) {
        fallbackReasons[report.fallbackReason] = (fallbackReasons[report.fallbackReason] ?? 0) + 1;
      }
    },
  };
}

/** Classifies a finished process, as Node's CI does: exit 0 passes, unless it skipped itself. */
function outcome({ code, signal, timedOut, skipReason, why }) {
  if (timedOut) return { status: 'timeout', reason: joinReason('timeout', why()) };
  if (code === 0 && skipReason !== null) {
    return { status: 'skip', reason: `skipped itself: ${skipReason}` };
  }
  if (code === 0) return { status: 'pass', reason: null };
  return {
    status: 'fail',
    reason: joinReason(signal ? `signal ${signal}` : `exit ${code}`, why()),
  };
}

function joinReason(how, line) {
  return line ? `${how}: ${line}` : how;
}

/** Keeps the last TAIL_LINES lines pushed. */
function pushTail(lines, line) {
  lines.push(line);
  if (lines.length > TAIL_LINES) lines.shift();
}

/**
 * Runs one test file: `node [COMPAT_FLAGS] [flags] [preload] test/parallel/FILE` from
 * suiteDir. Resolves (never rejects) with its outcome. `tmpRoot` holds a fresh NODE_TEST_DIR for this run, so
 * tests that use common/tmpdir neither write into the (read-only) suite nor clash when run
 * side by side.
 */
export function runTest({ suiteDir, file, flags, preload, timeoutMs, tmpRoot }) {
  const testDir = mkdtempSync(join(tmpRoot, 'run-'));
  const env = { ...process.env, NODE_TEST_DIR: testDir };
  // The baseline must be plain node:net: a NODE_OPTIONS preload would switch it too.
  delete env.NODE_OPTIONS;
  const args = [...COMPAT_FLAGS, ...flags, ...preload, join('test', 'parallel', file)];
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: suiteDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // A group of its own, so a timeout kills the test's children with it.
      detached: true,
    });
    if (child.pid !== undefined) live.add(child.pid);
    const tally = transportTally();
    const stderrLines = [];
    const stdoutLines = [];
    let skipReason = null;
    let timedOut = false;
    let exit = { code: null, signal: null };
    onLines(child.stdout, (line) => {
      skipReason ??= SKIP_LINE.exec(line)?.[1] ?? null;
      pushTail(stdoutLines, line);
    });
    onLines(child.stderr, (line) => {
      const report = parseTransportLine(line);
      if (report) tally.add(report);
      else pushTail(stderrLines, line);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    let graceTimer;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      live.delete(child.pid);
      clearTimeout(timer);
      clearTimeout(graceTimer);
      rmSync(testDir, { recursive: true, force: true, maxRetries: 3 });
      const why = () => lastMeaningfulLine(stderrLines, stdoutLines, suiteDir);
      const result = outcome({ ...exit, timedOut, skipReason, why });
      resolve({
        ...result,
        ...exit,
        durationMs: Math.round(performance.now() - started),
        transports: tally.transports,
        fallbackReasons: tally.fallbackReasons,
        stdoutTail: stdoutLines.slice(-20),
        stderrTail: stderrLines.slice(-20),
      });
    };
    child.on('error', (error) => {
      stderrLines.push(`Error: could not start node: ${error.message}`);
      finish();
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // Children the test left behind would hold our pipes open (and leak): end them too.
      killGroup(child.pid);
      graceTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish();
      }, CLOSE_GRACE_MS);
    });
    child.on('close', finish);
  });
}
