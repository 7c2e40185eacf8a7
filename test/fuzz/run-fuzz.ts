// `npm run fuzz`: fuzzes the WASM core for a bounded time, its rings and queues (target.ts)
// and then its session protocol and soft RNIC under a hostile peer (session-target.ts), each
// for half of the time; saves every shrunk finding in test/fuzz/corpus/ and prints a summary.
// Usage: npm run fuzz -- [--target rings|session|all] [--seconds N] [--runs N] [--seed N]
//        [--coverage] [--max-failures N] [--no-save]
import { parseArgs } from 'node:util';
import { formatCoverage } from './coverage.js';
import { fuzz, type FuzzOptions, type FuzzTargetName } from './fuzz-loop.js';
import { decodeProgram, listProgram } from './program.js';

/** Default wall-clock cap, in seconds. */
const DEFAULT_SECONDS = 60;
const DEFAULT_MAX_FAILURES = 5;

const TARGETS: Record<string, FuzzTargetName[]> = {
  rings: ['rings'],
  session: ['session'],
  all: ['rings', 'session'],
};

function options(): { opts: Omit<FuzzOptions, 'target'>; targets: FuzzTargetName[] } {
  const { values } = parseArgs({
    options: {
      target: { type: 'string', default: 'all' },
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
  const targets = TARGETS[values.target ?? 'all'];
  if (!targets) throw new RangeError(`unknown target ${values.target}: rings, session or all`);
  const seconds = number(values.seconds, DEFAULT_SECONDS);
  const opts = {
    seed: number(values.seed, Date.now() % 0x7fffffff) | 0,
    runs: values.runs === undefined ? Number.MAX_SAFE_INTEGER : number(values.runs, 0),
    seconds: seconds / targets.length,
    maxFailures: number(values['max-failures'], DEFAULT_MAX_FAILURES),
    coverage: values.coverage ?? false,
    save: !(values['no-save'] ?? false),
  };
  return { opts, targets };
}

async function main(): Promise<void> {
  const { opts, targets } = options();
  let findings = 0;
  for (const target of targets) findings += await fuzzOne({ ...opts, target });
  process.exitCode = findings > 0 ? 1 : 0;
}

/** Fuzzes one target and prints its summary; returns the number of findings. */
async function fuzzOne(opts: FuzzOptions): Promise<number> {
  const bound = opts.runs === Number.MAX_SAFE_INTEGER ? '' : ` --runs ${opts.runs}`;
  const replay = `npm run fuzz -- --target ${opts.target} --seed ${opts.seed}`;
  console.log(`fuzz ${opts.target}: seed ${opts.seed}, up to ${opts.seconds} s${bound}`);
  const summary = await fuzz(opts);
  const rate = summary.runs / Math.max(summary.elapsedSeconds, 1e-9);
  console.log(
    `fuzz: ${summary.runs} programs in ${summary.elapsedSeconds.toFixed(1)} s ` +
      `(${rate.toFixed(0)} programs/s${opts.coverage ? ', instrumented build' : ''}), ` +
      `${summary.findings.length} finding(s)${summary.interrupted ? ', stopped by the time cap' : ''}`,
  );
  console.log(`replay: ${replay} --runs ${summary.runs}`);
  for (const finding of summary.findings) {
    console.log(`\nFINDING (seed ${finding.seed}, path ${finding.path}): ${finding.message}`);
    console.log(`  input ${Buffer.from(finding.bytes).toString('hex')}`);
    if (opts.target === 'rings') {
      for (const line of listProgram(decodeProgram(finding.bytes))) console.log(`  ${line}`);
    }
    if (finding.file) console.log(`  saved to ${finding.file}`);
  }
  if (summary.coverage) console.log(`\n${formatCoverage(summary.coverage).join('\n')}`);
  return summary.findings.length;
}

await main();
