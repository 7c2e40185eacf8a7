// Unmodified apps (test/apps/) in real processes for the preload's tests: each runs with this
// Node, from the checkout's root, optionally under the built preload (`sanswitch/register`),
// and always with report-transport.mjs, which prints on stderr the transport of every socket
// node:net's diagnostics channels announce. Stdout lines are JSON, one per line.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Node flags that load only the transport reporter. */
export const REPORT = ['--import', './test/helpers/report-transport.mjs'];
/** Node flags that load the preload, then the reporter. */
export const PRELOAD = ['--import', 'sanswitch/register', ...REPORT];

/** A running app. */
export interface Run {
  /** The next JSON line on stdout; rejects when the process exits first. */
  next(): Promise<Record<string, unknown>>;
  /** The exit, with every stdout line and the reports (stderr JSON lines). */
  done: Promise<{ code: number | null; lines: Record<string, unknown>[]; reports: unknown[] }>;
  kill(): void;
}

/**
 * Starts `node ARGS` with `env` added to this process's; it is killed after `limitMs`. Lines on
 * stderr that are not JSON are echoed once it exits.
 */
export function run(args: string[], env: NodeJS.ProcessEnv = {}, limitMs = 15_000): Run {
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  const lines: Record<string, unknown>[] = [];
  const waiting: ((line: Record<string, unknown>) => void)[] = [];
  let unread = 0;
  createInterface({ input: child.stdout }).on('line', (text) => {
    const line = JSON.parse(text) as Record<string, unknown>;
    lines.push(line);
    const waiter = waiting.shift();
    if (waiter) waiter(line);
    else unread += 1;
  });
  const reports: unknown[] = [];
  let stderr = '';
  createInterface({ input: child.stderr }).on('line', (text) => {
    try {
      reports.push(JSON.parse(text));
    } catch {
      stderr += `${text}\n`;
    }
  });
  const done = once(child, 'exit').then(([code]) => {
    clearTimeout(timer);
    if (stderr) process.stdout.write(stderr);
    return { code: code as number | null, lines, reports };
  });
  let exited = false;
  void done.then(() => {
    exited = true;
    for (const waiter of waiting.splice(0)) waiter({ exited: true });
  });
  return {
    next: async () => {
      const line =
        unread > 0
          ? (lines[lines.length - unread--] as Record<string, unknown>)
          : exited
            ? { exited: true }
            : await new Promise<Record<string, unknown>>((resolve) => waiting.push(resolve));
      if (line.exited === true) throw new Error(`${args.at(-1)}: exited before its next line`);
      return line;
    },
    done,
    kill: () => child.kill('SIGKILL'),
  };
}
