// The soak's command line: `--seconds N --seed S [--transport shm|fabric|tcp] [--max-write BYTES]
// [--stall-seconds N]`, checked, with the defaults filled in (a random seed when none).
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { TransportName } from './messages.js';

/** What one soak run does. */
export interface SoakOptions {
  seconds: number;
  seed: number;
  transport: TransportName;
  /** The largest single write, bytes (default 8 MiB). */
  maxWrite: number;
  /** A connection idle this long while it should move is a stall, and so is any single wait. */
  stallSeconds: number;
}

/** The usage line printed with a bad command line. */
export const USAGE =
  'usage: node --import tsx test/soak/run-soak.ts --seconds N --seed S ' +
  '[--transport shm|fabric|tcp] [--max-write BYTES] [--stall-seconds N]';

function count(name: string, text: string | undefined, fallback: number, least: number): number {
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(value) || value < least) {
    throw new RangeError(`--${name}: expected an integer ≥ ${least}, got '${text}'`);
  }
  return value;
}

/** Parses `argv` (without node and the script); throws on anything it does not accept. */
export function parseOptions(argv: string[]): SoakOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      seconds: { type: 'string' },
      seed: { type: 'string' },
      transport: { type: 'string', default: 'shm' },
      'max-write': { type: 'string' },
      'stall-seconds': { type: 'string' },
    },
  });
  const transport = values.transport;
  if (transport !== 'shm' && transport !== 'fabric' && transport !== 'tcp') {
    throw new RangeError(`--transport: expected shm, fabric or tcp, got '${transport}'`);
  }
  return {
    seconds: count('seconds', values.seconds, 30, 1),
    seed: count('seed', values.seed, randomInt(2 ** 31), 0),
    transport,
    maxWrite: count('max-write', values['max-write'], 8 << 20, 1),
    // Above the judge's grace for a server to name a connection (3 s).
    stallSeconds: count('stall-seconds', values['stall-seconds'], 10, 4),
  };
}

/** The command line that replays `options`. */
export function replayCommand(options: SoakOptions): string {
  return (
    `node --import tsx test/soak/run-soak.ts --seconds ${options.seconds} --seed ${options.seed}` +
    ` --transport ${options.transport} --max-write ${options.maxWrite}` +
    ` --stall-seconds ${options.stallSeconds}`
  );
}
