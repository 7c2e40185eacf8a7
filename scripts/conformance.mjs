// Runs Node's own net and http tests (a suite such as /work/shared/conformance/node-v20.11.1,
// see its README) twice per file: once on plain node:net, once under the preload
// (`--import` of this checkout's dist/register/index.js, with test/helpers/report-transport.mjs
// to learn which transport each socket used). Prints the counts, the ratio of files passing
// over sanswitch among those passing on node:net, a transport summary, and every file that
// passes on node:net but not over sanswitch with a one-line reason.
// Usage: node scripts/conformance.mjs --suite DIR [--jobs N] [--timeout-ms MS] [--json FILE]
//          [--min-ratio R] [--filter REGEX]
// Exits 1 when --min-ratio is given and the ratio is below it (or there is none), 2 on bad
// arguments, a missing suite, or an unbuilt preload.
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { killAllTests, listTests, readFlags, runTest } from './conformance-run.mjs';
import { formatReport, summarize } from './conformance-report.mjs';

const USAGE =
  'usage: node scripts/conformance.mjs --suite DIR [--jobs N] [--timeout-ms MS] [--json FILE] ' +
  '[--min-ratio R] [--filter REGEX]';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REGISTER = join(ROOT, 'dist', 'register', 'index.js');
const REPORTER = join(ROOT, 'test', 'helpers', 'report-transport.mjs');
/** How often the run says how far it got, on stderr (a full suite takes minutes). */
const PROGRESS_EVERY = 25;

/** Exit 2 with a message: the run could not start as asked. */
function usageError(message) {
  process.stderr.write(`conformance: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function positiveInteger(text, name) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    usageError(`--${name} wants a positive integer, not "${text}"`);
  return n;
}

/** The options, checked; any problem exits 2. */
function readOptions(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        suite: { type: 'string' },
        jobs: { type: 'string' },
        'timeout-ms': { type: 'string' },
        json: { type: 'string' },
        'min-ratio': { type: 'string' },
        filter: { type: 'string' },
      },
    }));
  } catch (error) {
    usageError(error.message);
  }
  if (values.suite === undefined) usageError('--suite DIR is required');
  const suite = resolve(values.suite);
  if (!existsSync(join(suite, 'test', 'parallel')) || !statSync(suite).isDirectory()) {
    usageError(`no suite at ${suite} (it should hold test/parallel/test-*.js)`);
  }
  const minRatio = values['min-ratio'] === undefined ? null : Number(values['min-ratio']);
  if (minRatio !== null && !(minRatio >= 0 && minRatio <= 1)) {
    usageError(`--min-ratio wants a number from 0 to 1, not "${values['min-ratio']}"`);
  }
  let filter = null;
  if (values.filter !== undefined) {
    try {
      filter = new RegExp(values.filter);
    } catch (error) {
      usageError(`--filter: ${error.message}`);
    }
  }
  return {
    suite,
    jobs: values.jobs === undefined ? availableParallelism() : positiveInteger(values.jobs, 'jobs'),
    timeoutMs:
      values['timeout-ms'] === undefined
        ? 20_000
        : positiveInteger(values['timeout-ms'], 'timeout-ms'),
    json: values.json === undefined ? null : resolve(values.json),
    minRatio,
    filter,
  };
}

/** Runs task(item) for every item, at most `jobs` at a time; results keep the items' order. */
async function pool(items, jobs, task) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
  return results;
}

/** Both runs of every file; each (file, mode) is a job, so the two of a file run side by side. */
async function runSuite(options, files, tmpRoot) {
  const preload = [
    ...['--import', pathToFileURL(REGISTER).href],
    ...['--import', pathToFileURL(REPORTER).href],
  ];
  const jobs = files.flatMap((file) => [
    { file, mode: 'nodeNet', preload: [] },
    { file, mode: 'sanswitch', preload },
  ]);
  let done = 0;
  const outcomes = await pool(jobs, options.jobs, async (job) => {
    const flags = readFlags(join(options.suite, 'test', 'parallel', job.file));
    const result = await runTest({
      suiteDir: options.suite,
      file: job.file,
      flags,
      preload: job.preload,
      timeoutMs: options.timeoutMs,
      tmpRoot,
    });
    done += 1;
    if (done % PROGRESS_EVERY === 0) process.stderr.write(`conformance: ${done}/${jobs.length}\n`);
    return { flags, result };
  });
  // Jobs were queued two per file, node:net first.
  return files.map((file, i) => ({
    file,
    flags: outcomes[2 * i].flags,
    nodeNet: outcomes[2 * i].result,
    sanswitch: outcomes[2 * i + 1].result,
  }));
}

async function main() {
  const options = readOptions(process.argv.slice(2));
  if (!existsSync(REGISTER)) {
    usageError(`${REGISTER} does not exist: build it first with \`npm run build:ts\``);
  }
  const files = listTests(options.suite, options.filter);
  if (files.length === 0)
    usageError(`no test-*.js or test-*.mjs file in ${options.suite}/test/parallel matches`);
  const tmpRoot = mkdtempSync(join(tmpdir(), 'sanswitch-conformance-'));
  // Leave no test processes or temporary files behind when the run itself is interrupted.
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      killAllTests();
      rmSync(tmpRoot, { recursive: true, force: true });
      process.exit(130);
    });
  }
  const started = new Date().toISOString();
  const results = await runSuite(options, files, tmpRoot);
  rmSync(tmpRoot, { recursive: true, force: true });
  const summary = summarize(results);
  const run = { suite: options.suite, jobs: options.jobs, timeoutMs: options.timeoutMs };
  process.stdout.write(`${formatReport(summary, results, run).join('\n')}\n`);
  if (options.json) {
    const report = { ...run, node: process.version, register: REGISTER, started, summary, results };
    writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
  }
  const below = options.minRatio !== null && !(summary.ratio >= options.minRatio);
  if (below) process.stdout.write(`ratio below --min-ratio ${options.minRatio}\n`);
  process.exitCode = below ? 1 : 0;
}

await main();
