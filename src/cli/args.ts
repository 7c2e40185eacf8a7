// The command line's small argument parser: node:util's parseArgs, strict, with errors turned
// into UsageError so that every subcommand reports bad arguments the same way (exit status 2).
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A bad command line: main.ts prints the message and the usage line, and exits with 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** What a subcommand's command line parsed into. */
export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/**
 * Parses `argv` (the words after the subcommand) against `options`, always accepting
 * `--help`/`-h`, and checks that between `min` and `max` positionals are given (unless
 * `--help` is). Throws UsageError on unknown options, missing option values and wrong counts.
 */
export function parseCommandArgs(
  argv: string[],
  options: OptionSpec,
  positionals: { min: number; max: number; names: string },
): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // Node appends advice about '--' to unknown options; the first sentence says it all.
    throw new UsageError((error as Error).message.split('. To specify')[0]!);
  }
  const values = parsed.values as ParsedArgs['values'];
  const count = parsed.positionals.length;
  if (values.help !== true && count < positionals.min) {
    throw new UsageError(`missing ${positionals.names.split(' ').slice(count).join(' ')}`);
  }
  if (count > positionals.max) {
    throw new UsageError(`unexpected argument '${parsed.positionals[positionals.max]}'`);
  }
  return { values, positionals: parsed.positionals };
}

/**
 * A TCP port number from the command line: decimal digits only, 1–65535 (0 too when
 * `allowZero`, which asks the system for a free port). Throws UsageError otherwise.
 */
export function parsePort(text: string, allowZero: boolean): number {
  const lowest = allowZero ? 0 : 1;
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= lowest && port <= 65535)) {
    throw new UsageError(`invalid port '${text}': expected a number from ${lowest} to 65535`);
  }
  return port;
}
