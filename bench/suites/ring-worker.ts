// Worker host for the two-thread ring suite: opens one end (producer or consumer) of a
// subject's ring and, for each run the main thread requests, moves `count` messages
// starting at the same instant as its peer.
import { parentPort, workerData } from 'node:worker_threads';
import { ringSubject } from '../subjects/index.js';
import {
  START_FLAG_INDEX,
  type RingWorkerData,
  type RunDone,
  type RunReady,
  type RunRequest,
} from './ring-worker-protocol.js';

const { subject, role, handle, control } = (workerData as { data: RingWorkerData }).data;
const ring = ringSubject(subject);
const flags = new Int32Array(control);
const producer = role === 'producer' ? ring.openProducer(handle) : undefined;
const consumer = role === 'consumer' ? ring.openConsumer(handle) : undefined;

parentPort!.on('message', ({ count, generation }: RunRequest) => {
  parentPort!.postMessage({ ready: generation } satisfies RunReady);
  // Blocks (no spinning) so that the peer and the main thread keep the cores meanwhile.
  let flag: number;
  while ((flag = Atomics.load(flags, START_FLAG_INDEX)) < generation) {
    Atomics.wait(flags, START_FLAG_INDEX, flag);
  }
  producer?.send(count);
  consumer?.receive(count);
  // CLOCK_MONOTONIC, the same clock the main thread read when it raised the start flag.
  parentPort!.postMessage({ done: generation, endNs: process.hrtime.bigint() } satisfies RunDone);
});
