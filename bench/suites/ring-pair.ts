// The main thread's side of one producer worker and one consumer worker sharing a subject's
// ring: starts both at the same instant and times each run to the consumer's last message.
import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { spawnTsWorker } from '../../test/helpers/ts-worker.js';
import type { RingSubject } from '../subjects/ring-subject.js';
import {
  START_FLAG_INDEX,
  type RingWorkerData,
  type RunDone,
  type RunRequest,
} from './ring-worker-protocol.js';

const RING_WORKER_URL = new URL('./ring-worker.ts', import.meta.url);

/** A run taking longer than this (ms) means a stuck or broken subject: the pair is killed. */
const RUN_TIMEOUT_MS = 60_000;

/** Two worker threads, producer and consumer, over one ring of `subject`. Main thread only. */
export class RingPair {
  readonly subject: RingSubject;
  readonly #handle: unknown;
  readonly #flags = new Int32Array(new SharedArrayBuffer(4));
  readonly #producer: Worker;
  readonly #consumer: Worker;
  #generation = 0;

  /** Creates the ring for `payloadBytes` and starts both workers (about 0.2 s). */
  constructor(subject: RingSubject, payloadBytes: number) {
    this.subject = subject;
    this.#handle = subject.create(payloadBytes);
    const data = (role: RingWorkerData['role']): RingWorkerData => ({
      subject: subject.name,
      role,
      handle: this.#handle,
      control: this.#flags.buffer as SharedArrayBuffer,
    });
    this.#producer = spawnTsWorker(RING_WORKER_URL, data('producer'));
    this.#consumer = spawnTsWorker(RING_WORKER_URL, data('consumer'));
  }

  /**
   * Moves `count` messages from the producer to the consumer and resolves with the
   * nanoseconds from the start flag to the consumer's last verified message. Rejects when a
   * worker fails (e.g. a wrong sequence number) or the run exceeds RUN_TIMEOUT_MS.
   */
  async run(count: number): Promise<number> {
    const signal = AbortSignal.timeout(RUN_TIMEOUT_MS);
    const generation = ++this.#generation;
    const workers = [this.#producer, this.#consumer];
    const ready = workers.map((worker) => once(worker, 'message', { signal }));
    for (const worker of workers) worker.postMessage({ count, generation } satisfies RunRequest);
    await Promise.all(ready);
    const done = workers.map((worker) => once(worker, 'message', { signal }));
    const startNs = process.hrtime.bigint();
    Atomics.store(this.#flags, START_FLAG_INDEX, generation);
    Atomics.notify(this.#flags, START_FLAG_INDEX);
    const [, [consumerDone]] = (await Promise.all(done)) as [unknown, [RunDone]];
    return Number(consumerDone.endNs - startNs);
  }

  /** Stops both workers and frees the ring. */
  async close(): Promise<void> {
    await Promise.all([this.#producer.terminate(), this.#consumer.terminate()]);
    this.subject.destroy(this.#handle);
  }
}
