// Child processes for the native shim's tests: each runs test/helpers/native-child.ts under
// the same TypeScript loader (process.execArgv), and none may outlive its test.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AcceptedChannel, NativeAddon } from '../../src/native/addon.js';
import { acceptOne } from './native-messages.js';

const CHILD_SCRIPT = fileURLToPath(new URL('./native-child.ts', import.meta.url));
const running = new Set<ChildProcess>();

/** Starts native-child.ts in `role` with `args`; stdout/stderr go to ours. */
export function spawnChild(
  role: string,
  args: string[] = [],
  stdin: 'ignore' | 'pipe' = 'ignore',
): ChildProcess {
  const stdio: StdioOptions = [stdin, 'inherit', 'inherit'];
  const child = spawn(process.execPath, [...process.execArgv, CHILD_SCRIPT, role, ...args], {
    stdio,
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** SIGKILLs every child still running; call it in `finally`. */
export function killChildren(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/** Resolves with the child's exit code or signal; rejects after `timeoutMs`. */
export function exited(child: ChildProcess, timeoutMs: number): Promise<number | string> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(child.exitCode ?? String(child.signalCode));
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`child still running after ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? String(signal));
    });
  });
}

/** A fresh directory with mode 0700 (mkdtemp's), for channel sockets; remove() deletes it. */
export function privateDir(): { path: string; socket: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'sanswitch-test-'));
  return {
    path,
    socket: join(path, 'channel'),
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}

/** A child in `role` connected to a channel this process listens on. */
export interface ChildSession {
  child: ChildProcess;
  /** Our end of the accepted channel, with the peer's credentials. */
  accepted: AcceptedChannel;
  /** Closes our fds and removes the socket's directory (the child then exits). */
  close(): void;
}

/** Listens in a fresh private directory, starts the child and accepts its connection. */
export async function startChild(
  addon: NativeAddon,
  role: string,
  stdin: 'ignore' | 'pipe' = 'ignore',
): Promise<ChildSession> {
  const dir = privateDir();
  const listenFd = addon.channelListen(dir.socket, 4);
  if (listenFd < 0) throw new Error(`channelListen failed: ${listenFd}`);
  const child = spawnChild(role, [dir.socket], stdin);
  const cleanup = () => {
    addon.closeFd(listenFd);
    dir.remove();
  };
  try {
    const accepted = await acceptOne(addon, listenFd, 15_000);
    return {
      child,
      accepted,
      close: () => {
        addon.closeFd(accepted.fd);
        cleanup();
      },
    };
  } catch (error) {
    cleanup();
    throw error;
  }
}
