// Runs the `sanswitch` command as a real child process (its TypeScript entry under tsx, as the
// package's bin runs its compiled copy) and collects its exit status, stdout and stderr.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** How a finished command ended. */
export interface CliOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A running command: its process, its output so far, and its end. */
export interface CliProcess {
  child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  done: Promise<CliOutcome>;
}

/**
 * Starts `sanswitch ARGS`; `preload` names extra modules to `--import` first (test doubles).
 * stdin is a pipe the caller writes and ends.
 */
export function startCli(args: string[], preload: string[] = []): CliProcess {
  const imports = preload.flatMap((url) => ['--import', url]);
  const child = spawn(process.execPath, ['--import', 'tsx', ...imports, MAIN, ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<CliOutcome>((resolve) => {
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

/** Runs `sanswitch ARGS` with `input` on stdin; kills it after `timeoutMs`. */
export async function runCli(
  args: string[],
  options: { input?: string; preload?: string[]; timeoutMs?: number } = {},
): Promise<CliOutcome> {
  const running = startCli(args, options.preload);
  running.child.stdin!.end(options.input ?? '');
  const timer = setTimeout(() => running.child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  try {
    return await running.done;
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once the process's stderr matches `pattern`, with the match; rejects on exit. */
export function waitForStderr(running: CliProcess, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const match = pattern.exec(running.stderr());
      if (!match) return;
      running.child.stderr!.off('data', check);
      resolve(match);
    };
    running.child.stderr!.on('data', check);
    running.done.then((outcome) =>
      reject(new Error(`exited ${outcome.code} before ${pattern}: ${outcome.stderr}`)),
    );
    check();
  });
}
