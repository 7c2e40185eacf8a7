// `--contend N`: N busy processes (a spinning loop each, at normal priority) that run for the
// whole bench, so that every subject is measured on a machine whose cores are taken, as a
// shared host's are. Started before the first suite, killed after the last (and on exit).
import { spawn, type ChildProcess } from 'node:child_process';

/** The busy processes of one bench run. */
export interface Contention {
  /** How many run. */
  readonly count: number;
  /** Their process ids. */
  readonly pids: readonly number[];
  /** Kills them; idempotent. */
  stop(): void;
}

/** Starts `count` busy processes (none for 0). Main thread only. */
export function startContention(count: number): Contention {
  const children: ChildProcess[] = [];
  for (let i = 0; i < count; i += 1) {
    children.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  }
  const stop = (): void => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  };
  process.once('exit', stop);
  const pids = children.map((child) => child.pid ?? -1);
  return { count, pids, stop };
}
