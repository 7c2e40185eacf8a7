// Worker thread for test/ring-threads.test.ts: plays a hostile producer that keeps rewriting
// one message's length field while the main thread reads the message, alternating between
// the honest length and 0xFFFFFFFF, until the main thread sets the stop flag.
import { parentPort, workerData } from 'node:worker_threads';

/** What the test posts to the flipper. */
export interface FlipperData {
  memory: WebAssembly.Memory;
  /** Byte address of the length field to rewrite (4-byte aligned). */
  lengthAddress: number;
  honestLength: number;
  /** Byte address of an i32 the main thread sets to 1 to stop the flipper. */
  stopAddress: number;
}

const { data } = workerData as { data: FlipperData };
const memory = new Int32Array(data.memory.buffer);
const at = data.lengthAddress >>> 2;
let flips = 0;
while (Atomics.load(memory, data.stopAddress >>> 2) === 0) {
  Atomics.store(memory, at, -1);
  Atomics.store(memory, at, data.honestLength);
  flips++;
}
parentPort?.postMessage(flips);
