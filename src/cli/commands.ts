// The subcommands of `sanswitch`, in the order `sanswitch --help` lists them.
import type { Command } from './command.js';
import { bench } from './bench.js';
import { connect } from './connect.js';
import { doctor } from './doctor.js';
import { listen } from './listen.js';

/** Every subcommand. */
export const COMMANDS: readonly Command[] = [doctor, bench, listen, connect];

/** The top-level usage: `sanswitch --help`. */
export function topUsage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'usage: sanswitch COMMAND [ARGS]   (sanswitch COMMAND --help for its options)',
    'commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    'options: --help, --version',
  ].join('\n');
}
