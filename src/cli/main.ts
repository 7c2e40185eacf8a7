#!/usr/bin/env node
// The `sanswitch` command (the package's bin): picks the subcommand, runs it, and turns a bad
// command line into a message on stderr and exit status 2, as command-line tools do.
import { readFileSync } from 'node:fs';
import { UsageError } from './args.js';
import { COMMANDS, topUsage } from './commands.js';

function version(): string {
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    console.error(topUsage());
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const command = COMMANDS.find((candidate) => candidate.name === rest[0]);
    console.log(command ? command.usage : topUsage());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    console.log(version());
    return 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    console.error(`sanswitch: unknown command '${name}' (see sanswitch --help)`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`sanswitch ${command.name}: ${error.message}`);
    console.error(command.usage.split('\n')[0]);
    return 2;
  }
}

const status = await main(process.argv.slice(2));
// Exit explicitly once stdout has been handed over: a netcat session may leave handles (a
// terminal on stdin, an unref'd poll) that would otherwise keep the process alive.
process.stdout.write('', () => process.exit(status));
