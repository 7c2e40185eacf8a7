// Command-line options of `npm run bench -- [options]`, parsed with node:util's parseArgs.
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
  /** `--help`: print usage and the suites, run nothing. */
  help: boolean;
}

/** Usage text; `suites` lines are appended by the caller. */
export const USAGE = `usage: npm run bench -- [--suite NAME]... [--quick] [--json FILE] [--svg FILE] [--help]
  --suite NAME  run only this suite (repeatable, or NAME,NAME)
  --quick       smoke run: fewer, shorter runs (figures are not meaningful)
  --json FILE   also write { results: [{ suite, case, subject, metric, value, unit, ... }] }
  --svg FILE    also draw an SVG bar chart: each figure's ratio to its suite's baseline`;

/** Parses `argv` (without node and the script); throws a TypeError on unknown options. */
export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      suite: { type: 'string', multiple: true },
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
      svg: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  return {
    suites: (values.suite ?? []).flatMap((names) => names.split(',')).filter(Boolean),
    quick: values.quick ?? false,
    json: values.json,
    svg: values.svg,
    help: values.help ?? false,
  };
}
