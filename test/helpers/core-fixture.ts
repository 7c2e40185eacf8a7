// Shared set-up for the WASM core suites: a fresh ProcessCore, rings opened at a chosen
// start cursor, little-endian views of the shared memory, and the seeded fast-check runner
// that prints how to replay a failure.
import fc from 'fast-check';
import { ProcessCore } from '../../src/wasm/process-core.js';
import type { CoreExports } from '../../src/wasm/core.js';
import { RING_HEAD_OFFSET, RING_TAIL_OFFSET } from '../../src/wasm/layout.generated.js';

/** Seed of every property in the core suites; override with FC_SEED=<n> to replay a failure. */
export const FC_SEED = Number(process.env.FC_SEED ?? 0x5a5c0de);

/**
 * Runs `property` `numRuns` times from FC_SEED. On failure it prints the seed and the replay
 * command before rethrowing fast-check's report (which holds the shrunk counterexample).
 */
export function checkProperty<T>(name: string, property: fc.IProperty<T>, numRuns: number): void {
  try {
    fc.assert(property, { seed: FC_SEED, numRuns });
  } catch (error) {
    console.error(
      `\n${name}: failed with FC_SEED=${FC_SEED} (replay: FC_SEED=${FC_SEED} npm run test:unit)`,
    );
    throw error;
  }
}

/** Cursor start values that matter: 0, a few slots before 2^32, and anywhere. */
export const startArb: fc.Arbitrary<number> = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 0xffffffff - 40, max: 0xffffffff }),
  fc.nat({ max: 0xffffffff }),
);

/** Both endpoints of one ring, in the same process. */
export interface RingPair {
  /** Private block of the producer endpoint. */
  producer: number;
  /** Private block of the consumer endpoint. */
  consumer: number;
  /** Absolute address of the ring header. */
  shared: number;
  capacity: number;
  slotBytes: number;
}

/** A fresh shared memory with its core, and helpers to open rings and inspect bytes. */
export class CoreFixture {
  readonly pc: ProcessCore;
  readonly core: CoreExports;

  constructor(memory?: WebAssembly.Memory) {
    this.pc = new ProcessCore(memory);
    this.core = this.pc.core;
  }

  get memory(): WebAssembly.Memory {
    return this.pc.memory;
  }

  /** A view over the whole memory as it is now (rebuilt on every call: the memory may grow). */
  bytes(): Uint8Array {
    return new Uint8Array(this.pc.memory.buffer);
  }

  view(): DataView {
    return new DataView(this.pc.memory.buffer);
  }

  u32(address: number): number {
    return this.view().getUint32(address, true);
  }

  setU32(address: number, value: number): void {
    this.view().setUint32(address, value >>> 0, true);
  }

  /**
   * Formats a ring at `shared` (default: a new region) with cursors at `start` and attaches
   * both endpoints. Throws when the core refuses the geometry.
   */
  openRing(capacity: number, slotBytes: number, start = 0, shared?: number): RingPair {
    const base = shared ?? this.pc.allocRegion(this.core.ringBytes(capacity, slotBytes));
    const producer = this.pc.allocLocal();
    const consumer = this.pc.allocLocal();
    this.core.ringFormatAt(base, start);
    const statuses = [
      this.core.ringAttachAt(producer, base, capacity, slotBytes, start),
      this.core.ringAttachAt(consumer, base, capacity, slotBytes, start),
    ];
    if (statuses.some((status) => status !== 0)) {
      throw new Error(`ring refused: ${statuses.join(', ')} (${capacity} x ${slotBytes} B)`);
    }
    return { producer, consumer, shared: base, capacity, slotBytes };
  }

  /**
   * Re-formats the region of `ring` with cursors at `start` and re-attaches both endpoints
   * with the given geometry, which must fit the region the ring was opened with.
   */
  reopen(
    ring: RingPair,
    start: number,
    capacity = ring.capacity,
    slotBytes = ring.slotBytes,
  ): RingPair {
    const { producer, consumer, shared } = ring;
    this.core.ringFormatAt(shared, start);
    const statuses = [
      this.core.ringAttachAt(producer, shared, capacity, slotBytes, start),
      this.core.ringAttachAt(consumer, shared, capacity, slotBytes, start),
    ];
    if (statuses.some((status) => status !== 0)) throw new Error(`reopen refused: ${statuses}`);
    return { producer, consumer, shared, capacity, slotBytes };
  }

  /** The consumer's published head as it sits in shared memory. */
  head(ring: RingPair): number {
    return this.u32(ring.shared + RING_HEAD_OFFSET);
  }

  /** The producer's published tail as it sits in shared memory. */
  tail(ring: RingPair): number {
    return this.u32(ring.shared + RING_TAIL_OFFSET);
  }
}

/** Byte `i` of the payload of message number `seq`: cheap, and differs between neighbours. */
export function payloadByte(seq: number, i: number): number {
  return (seq * 131 + i * 7 + (seq >>> 8)) & 0xff;
}
