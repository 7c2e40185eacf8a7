// `npm run fuzz`: fuzzes the WASM core's rings and queues (see target.ts) for a bounded time,
// saves every shrunk finding in test/fuzz/corpus/ and prints a summary.
// Usage: npm run fuzz -- [--seconds N] [--runs N] [--seed N] [--coverage] [--max-failures N]
//        [--no-save]
import { parseArgs } from 'node:util';
import { formatCoverage } from './coverage.js';
import { fuzz, type FuzzOptions } from './fuzz-loop.js';
import { decodeProgram, listProgram } from './program.js';

/** Default wall-clock cap, in seconds. */
const DEFAULT_SECONDS = 60;
const DEFAULT_MAX_FAILURES = 5;

function options(): FuzzOptions {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string' },
      runs: { type: 'string' },
      seed: { type: 'string' },
      coverage: { type: 'boolean', default: false },
      'max-failures': { type: 'string' },
      'no-save': { type: 'boolean', default: false },
    },
  });
  const number = (text: string | undefined, fallback: number): number => {
    const value = text === undefined ? fallback : Number(text);
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`not a count: ${text}`);
    return value;
  };
  return {
    seed: number(values.seed, Date.now() % 0x7fffffff) | 0,
    runs: values.runs === undefined ? Number.MAX_SAFE_INTEGER : number(values.runs, 0),
    seconds: number(values.seconds, DEFAULT_SECONDS),
    maxFailures: number(values['max-failures'], DEFAULT_MAX_FAILURES),
    coverage: values.coverage ?? false,
    save: !(values['no-save'] ?? false),
  };
}

async function main(): Promise<void> {
  const opts = options();
  const bound = opts.runs === Number.MAX_SAFE_INTEGER ? '' : ` --runs ${opts.runs}`;
  console.log(`fuzz: seed ${opts.seed}, up to ${opts.seconds} s${bound}`);
  const summary = await fuzz(opts);
  const rate = summary.runs / Math.max(summary.elapsedSeconds, 1e-9);
  console.log(
    `fuzz: ${summary.runs} programs in ${summary.elapsedSeconds.toFixed(1)} s ` +
      `(${rate.toFixed(0)} programs/s${opts.coverage ? ', instrumented build' : ''}), ` +
      `${summary.findings.length} finding(s)${summary.interrupted ? ', stopped by the time cap' : ''}`,
  );
  console.log(`replay: npm run fuzz -- --seed ${opts.seed} --runs ${summary.runs}`);
  for (const finding of summary.findings) {
    console.log(`\nFINDING (seed ${finding.seed}, path ${finding.path}): ${finding.message}`);
    console.log(`  input ${Buffer.from(finding.bytes).toString('hex')}`);
    for (const line of listProgram(decodeProgram(finding.bytes))) console.log(`  ${line}`);
    if (finding.file) console.log(`  saved to ${finding.file}`);
  }
  if (summary.coverage) console.log(`\n${formatCoverage(summary.coverage).join('\n')}`);
  process.exitCode = summary.findings.length > 0 ? 1 : 0;
}

await main();
