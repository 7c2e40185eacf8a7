// Runs a TypeScript worker thread (see ts-worker.ts) and awaits its one reply.
import { spawnTsWorker } from './ts-worker.js';

/** Longest a worker may run before runWorker rejects and terminates it, in milliseconds. */
export const WORKER_TIMEOUT_MS = 60_000;

/**
 * Runs the TypeScript module at `url` in a worker thread with `workerData` (as
 * `workerData.data` there), resolves with the
 * first message it posts, and terminates it. Rejects on an error, an exit before replying,
 * or WORKER_TIMEOUT_MS without a reply. Main thread; does not block.
 */
export function runWorker<T>(url: URL, workerData: unknown): Promise<T> {
  const worker = spawnTsWorker(url, workerData);
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new Promise<T>((resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${url.pathname}: no reply within ${WORKER_TIMEOUT_MS} ms`));
    }, WORKER_TIMEOUT_MS);
    worker.once('message', (value: T) => resolve(value));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`${url.pathname} exited with ${code}`)));
  }).finally(() => {
    clearTimeout(timer);
    void worker.terminate();
  });
}
