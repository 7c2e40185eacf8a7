// Command-line options of `npm run bench -- [options]`, parsed with node:util's parseArgs.
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';

/** The runner's options. */
export interface BenchOptions {
  /** Suites to run (`--suite NAME`, repeatable or comma-separated); empty means all. */
  suites: string[];
  /** `--quick`: a smoke run of every selected suite, in seconds rather than minutes. */
  quick: boolean;
  /** `--json FILE`: also write the results there. */
  json: string | undefined;
  /** `--svg FILE`: also draw them there as a bar chart of ratios to each suite's baseline. */
  svg: string | undefined;
  /**
   * `--contend [N]`: busy processes that run beside every subject (bench/contention.ts); N
   * defaults to one per core; 0 without the option.
   */
  contend: number;
  /** `--help`: print usage and the suites, run nothing. */
  help: boolean;
}

/** Usage text; `suites` lines are appended by the caller. */
export const USAGE = `usage: npm run bench -- [--suite NAME]... [--quick] [--contend [N]] [--json FILE] [--svg FILE] [--help]
  --suite NAME  run only this suite (repeatable, or NAME,NAME)
  --quick       smoke run: fewer, shorter runs (figures are not meaningful)
  --contend N   N busy processes beside every subject's run (N: one per core by default)
  --json FILE   also write { results: [{ suite, case, subject, metric, value, unit, ... }] }
  --svg FILE    also draw an SVG bar chart: each figure's ratio to its suite's baseline`;

/**
 * `--contend` takes an optional count: a bare `--contend` (last, or before another option)
 * means one busy process per core.
 */
function withContendCount(argv: string[]): string[] {
  return argv.flatMap((arg, i) => {
    if (arg !== '--contend') return [arg];
    const next = argv[i + 1];
    return next !== undefined && /^\d+$/.test(next) ? [arg] : [arg, String(availableParallelism())];
  });
}

/**
 * Parses `argv` (without node and the script); throws a TypeError on unknown options or a
 * `--contend` count that is not a whole number.
 */
export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: withContendCount(argv),
    options: {
      suite: { type: 'string', multiple: true },
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
      svg: { type: 'string' },
      contend: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const contend = Number(values.contend ?? 0);
  if (!Number.isInteger(contend) || contend < 0) {
    throw new TypeError(`--contend wants a whole number of processes, not "${values.contend}"`);
  }
  return {
    contend,
    suites: (values.suite ?? []).flatMap((names) => names.split(',')).filter(Boolean),
    quick: values.quick ?? false,
    json: values.json,
    svg: values.svg,
    help: values.help ?? false,
  };
}
