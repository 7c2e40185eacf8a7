// Worker thread for test/ring-threads.test.ts: one end of a message ring over a memory shared
// with the other end's thread. It instantiates the core itself, moves `count` 64-byte
// messages whose payload derives from the sequence number, and reports a checksum.
import { parentPort, workerData } from 'node:worker_threads';
import { instantiateCore } from '../../src/wasm/core.js';
import { ERR_AGAIN } from '../../src/wasm/layout.generated.js';

/** What the test posts to each worker. */
export interface RingWorkerData {
  role: 'producer' | 'consumer';
  memory: WebAssembly.Memory;
  module: WebAssembly.Module;
  /** Private block of this endpoint, already attached by the main thread. */
  local: number;
  /** 64 bytes this thread may use as its source or destination buffer. */
  buffer: number;
  count: number;
  /** Messages per commit (producer) or per release (consumer). */
  batch: number;
  /** Fail when no message moves for this long, in milliseconds. */
  stallMs: number;
}

/** What each worker posts back. */
export interface RingWorkerResult {
  checksum: number;
  count: number;
  ms: number;
  error?: string;
}

const WORDS = 16;
const { data } = workerData as { data: RingWorkerData };
const core = instantiateCore(data.memory, data.module);
const words = new Uint32Array(data.memory.buffer, data.buffer, WORDS);
const nap = new Int32Array(new SharedArrayBuffer(4));

/** Word `j` of message `seq`; word 0 is the sequence number itself. */
function word(seq: number, j: number): number {
  return j === 0 ? seq : (Math.imul(seq, 0x9e3779b1) ^ j) >>> 0;
}

function mix(checksum: number, value: number): number {
  return (Math.imul(checksum ^ value, 0x01000193) + 0x7f4a7c15) | 0;
}

/** Spins, then naps for up to 0.2 ms per attempt; throws when stalled for `stallMs`. */
class Backoff {
  #spins = 0;
  #since = 0;
  wait(seq: number): void {
    if (this.#spins === 0) this.#since = performance.now();
    this.#spins++;
    if (this.#spins < 256) return;
    Atomics.wait(nap, 0, 0, Math.min(0.2, this.#spins / 1e5));
    if (performance.now() - this.#since > data.stallMs) {
      throw new Error(`${data.role}: no progress for ${data.stallMs} ms at message ${seq}`);
    }
  }
  reset(): void {
    this.#spins = 0;
  }
}

function produce(): number {
  const backoff = new Backoff();
  let checksum = 0;
  let unpublished = 0;
  for (let seq = 0; seq < data.count; seq++) {
    for (let j = 0; j < WORDS; j++) {
      words[j] = word(seq, j);
      checksum = mix(checksum, words[j]!);
    }
    while (core.msgWrite(data.local, data.buffer, WORDS * 4, seq) === ERR_AGAIN) {
      if (unpublished > 0) core.ringCommit(data.local);
      unpublished = 0;
      backoff.wait(seq);
    }
    backoff.reset();
    if (++unpublished === data.batch) {
      core.ringCommit(data.local);
      unpublished = 0;
    }
  }
  core.ringCommit(data.local);
  return checksum;
}

function consume(): number {
  const backoff = new Backoff();
  let checksum = 0;
  let unreleased = 0;
  for (let seq = 0; seq < data.count; seq++) {
    let status: number;
    while ((status = core.msgRead(data.local, data.buffer, WORDS * 4)) === ERR_AGAIN) {
      if (unreleased > 0) core.ringRelease(data.local);
      unreleased = 0;
      backoff.wait(seq);
    }
    backoff.reset();
    if (status !== WORDS * 4) throw new Error(`consumer: msgRead returned ${status} at ${seq}`);
    if (words[0] !== seq) throw new Error(`consumer: message ${words[0]} arrived as ${seq}`);
    for (let j = 0; j < WORDS; j++) checksum = mix(checksum, words[j]!);
    if (++unreleased === data.batch) {
      core.ringRelease(data.local);
      unreleased = 0;
    }
  }
  core.ringRelease(data.local);
  return checksum;
}

const started = performance.now();
let result: RingWorkerResult;
try {
  const checksum = data.role === 'producer' ? produce() : consume();
  result = { checksum, count: data.count, ms: performance.now() - started };
} catch (error) {
  result = { checksum: 0, count: 0, ms: 0, error: (error as Error).message };
}
parentPort?.postMessage(result);
