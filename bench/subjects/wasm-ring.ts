// Subject `wasm-ring`: the core's message ring (assembly/msg-ring.ts) driven the way the
// session protocol drives it: msgWrite/msgRead per message, payloads copied by memory.copy
// between WASM-memory buffers and the slots, one commit/release per batch.
import { coreModule, instantiateCore, type CoreExports } from '../../src/wasm/core.js';
import { processCore } from '../../src/wasm/process-core.js';
import { CACHE_LINE_BYTES, ERR_AGAIN, MSG_HEADER_BYTES } from '../../src/wasm/layout.generated.js';
import {
  RING_STORAGE_BYTES,
  sequenceError,
  type MessageConsumer,
  type MessageProducer,
  type RingSubject,
} from './ring-subject.js';

/** Most messages written (read) between two commits (releases). */
const MAX_BATCH_MESSAGES = 64;

/** Everything either end needs; only shared memory, a module and numbers, so it posts. */
export interface WasmRingHandle {
  memory: WebAssembly.Memory;
  module: WebAssembly.Module;
  payloadBytes: number;
  /** Ring header address; slots follow it. */
  ring: number;
  ringBytes: number;
  capacity: number;
  slotBytes: number;
  /** Messages per commit (producer) and per release (consumer). */
  batch: number;
  /** Private blocks of the two endpoints. */
  producerLocal: number;
  consumerLocal: number;
  /** The producer's source buffer and the consumer's destination buffer, in WASM memory. */
  source: number;
  destination: number;
}

function check(status: number, what: string): number {
  if (status < 0) throw new Error(`wasm-ring: ${what} failed with status ${status}`);
  return status;
}

// Geometry: whole cache lines per slot (a 64 B message then never shares a line with its
// neighbour: 8192 slots of 128 B), and the power-of-two slot count closest to 1 MiB of
// storage (64 KiB messages: 16 slots of 65,600 B). A batch is at most a quarter of the ring
// so the producer can fill one batch while the consumer drains another.
function create(payloadBytes: number): WasmRingHandle {
  const owner = processCore();
  const slotBytes =
    Math.ceil((payloadBytes + MSG_HEADER_BYTES) / CACHE_LINE_BYTES) * CACHE_LINE_BYTES;
  const capacity = 2 ** Math.round(Math.log2(RING_STORAGE_BYTES / slotBytes));
  const ringBytes = check(owner.core.ringBytes(capacity, slotBytes), 'ringBytes');
  const ring = owner.allocRegion(ringBytes);
  owner.core.ringFormat(ring);
  return {
    memory: owner.memory,
    module: coreModule(),
    payloadBytes,
    ring,
    ringBytes,
    capacity,
    slotBytes,
    batch: Math.min(MAX_BATCH_MESSAGES, capacity / 4),
    producerLocal: owner.allocLocal(),
    consumerLocal: owner.allocLocal(),
    source: owner.allocRegion(payloadBytes),
    destination: owner.allocRegion(payloadBytes),
  };
}

function destroy(handle: WasmRingHandle): void {
  const owner = processCore();
  owner.freeRegion(handle.ring, handle.ringBytes);
  owner.freeRegion(handle.source, handle.payloadBytes);
  owner.freeRegion(handle.destination, handle.payloadBytes);
  owner.freeLocal(handle.producerLocal);
  owner.freeLocal(handle.consumerLocal);
}

// One end: its own core instance over the shared memory, attached to the ring.
function attach(handle: WasmRingHandle, local: number): { core: CoreExports; words: Uint32Array } {
  const core = instantiateCore(handle.memory, handle.module);
  check(core.ringAttach(local, handle.ring, handle.capacity, handle.slotBytes), 'ringAttach');
  return { core, words: new Uint32Array(handle.memory.buffer) };
}

class WasmProducer implements MessageProducer {
  readonly #handle: WasmRingHandle;
  readonly #core: CoreExports;
  readonly #words: Uint32Array;
  #sequence = 0;

  constructor(handle: WasmRingHandle) {
    this.#handle = handle;
    ({ core: this.#core, words: this.#words } = attach(handle, handle.producerLocal));
  }

  send(count: number): void {
    const { producerLocal: local, source, payloadBytes, batch } = this.#handle;
    const { msgWrite, ringCommit } = this.#core;
    const words = this.#words;
    const firstWord = source >>> 2;
    const lastWord = (source + payloadBytes - 4) >>> 2;
    let sequence = this.#sequence;
    const end = sequence + count;
    while (sequence < end) {
      const batchEnd = Math.min(end, sequence + batch);
      while (sequence < batchEnd) {
        words[firstWord] = sequence;
        words[lastWord] = sequence;
        const status = msgWrite(local, source, payloadBytes, 0);
        if (status < 0) {
          if (status !== ERR_AGAIN) check(status, 'msgWrite');
          break;
        }
        sequence++;
      }
      // The ring is full or the batch is complete: publish what was written.
      ringCommit(local);
    }
    this.#sequence = sequence;
  }
}

class WasmConsumer implements MessageConsumer {
  readonly #handle: WasmRingHandle;
  readonly #core: CoreExports;
  readonly #words: Uint32Array;
  #sequence = 0;

  constructor(handle: WasmRingHandle) {
    this.#handle = handle;
    ({ core: this.#core, words: this.#words } = attach(handle, handle.consumerLocal));
  }

  receive(count: number): void {
    const { consumerLocal: local, destination, payloadBytes, batch } = this.#handle;
    const { msgRead, ringRelease } = this.#core;
    const words = this.#words;
    const firstWord = destination >>> 2;
    const lastWord = (destination + payloadBytes - 4) >>> 2;
    let sequence = this.#sequence;
    const end = sequence + count;
    while (sequence < end) {
      const batchEnd = Math.min(end, sequence + batch);
      while (sequence < batchEnd) {
        const length = msgRead(local, destination, payloadBytes);
        if (length < 0) {
          if (length !== ERR_AGAIN) check(length, 'msgRead');
          break;
        }
        if (
          length !== payloadBytes ||
          words[firstWord] !== sequence ||
          words[lastWord] !== sequence
        ) {
          throw sequenceError('wasm-ring', sequence, length, words[firstWord]!, words[lastWord]!);
        }
        sequence++;
      }
      // The ring is empty or the batch is complete: hand the slots back.
      ringRelease(local);
    }
    this.#sequence = sequence;
  }
}

/** The core's message ring; handles post to worker threads sharing the process's memory. */
export const wasmRing: RingSubject<WasmRingHandle> = {
  name: 'wasm-ring',
  create,
  destroy,
  openProducer: (handle) => new WasmProducer(handle),
  openConsumer: (handle) => new WasmConsumer(handle),
};
