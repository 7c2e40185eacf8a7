// `sanswitch bench`: the side-by-side benchmarks against node:net (bench/, the net-* suites),
// run by the benchmark runner in a child process so that its output and exit status are the
// runner's own. The runner is TypeScript: it needs the package's source tree and tsx.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from './command.js';
import { parseCommandArgs } from './args.js';

const RUNNER = fileURLToPath(new URL('../../bench/main.ts', import.meta.url));

/** The suites `sanswitch bench` runs unless `--suite` says otherwise: sanswitch vs node:net. */
export const SIDE_BY_SIDE_SUITES = [
  'net-rtt',
  'net-throughput',
  'net-msg-rate',
  'net-conn-rate',
  'net-large',
  'net-idle-cpu',
];

const USAGE = `usage: sanswitch bench [--quick] [--contend N] [--json FILE] [--svg FILE] [--suite NAME]...
  Measures sanswitch over shared memory against node:net over TCP loopback and over a Unix
  domain socket, between two processes each: 64 B round trip (p50, p99), 1 GiB in 64 KiB
  writes, one-way 64 B message rate, connection rate, 4 MiB messages, and the CPU an idle
  connection costs in 5 s. Prints a table with each figure's ratio to node-tcp (a full run
  takes 1–3 minutes); figures vary on shared machines, so compare ratios within one run.
  --quick       smoke run in seconds (figures are not meaningful)
  --contend N   N busy processes beside every run (a machine whose cores are taken)
  --json FILE   also write the results as JSON
  --svg FILE    also draw them as an SVG bar chart of ratios to node-tcp
  --suite NAME  run only this suite (repeatable): ${SIDE_BY_SIDE_SUITES.join(', ')},
                or any other suite of npm run bench
  Exit status: the runner's (0 when every suite ran), 2 for a bad command line.`;

/** Where tsx's loader is, or null when it is not installed next to the package. */
function tsxLoader(): string | null {
  try {
    return import.meta.resolve('tsx');
  } catch {
    return null;
  }
}

/** `sanswitch bench`. */
export const bench: Command = {
  name: 'bench',
  summary: 'side-by-side benchmarks: sanswitch over shm vs node:net over TCP and Unix sockets',
  usage: USAGE,
  async run(argv) {
    const { values } = parseCommandArgs(
      argv,
      {
        quick: { type: 'boolean' },
        json: { type: 'string' },
        svg: { type: 'string' },
        contend: { type: 'string' },
        suite: { type: 'string', multiple: true },
      },
      { min: 0, max: 0, names: '' },
    );
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const loader = tsxLoader();
    if (!existsSync(RUNNER) || loader === null) {
      console.error(
        `sanswitch: bench needs the package's bench/ sources and tsx (${RUNNER}); ` +
          'run it from a checkout after npm install',
      );
      return 1;
    }
    const suites = Array.isArray(values.suite) ? values.suite : SIDE_BY_SIDE_SUITES;
    const args = suites.flatMap((name) => ['--suite', name]);
    if (values.quick) args.push('--quick');
    for (const key of ['json', 'svg', 'contend'] as const) {
      const file = values[key];
      if (typeof file === 'string') args.push(`--${key}`, file);
    }
    const child = spawn(process.execPath, ['--import', loader, RUNNER, ...args], {
      stdio: 'inherit',
    });
    return new Promise((done) => {
      child.on('error', (error) => {
        console.error(`sanswitch: could not start the benchmark runner: ${error.message}`);
        done(1);
      });
      child.on('close', (code, signal) => done(code ?? (signal ? 1 : 0)));
    });
  },
};
