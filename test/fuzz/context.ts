// What every fuzz operation works with: the core, the memory layout of one program, the
// reference model, and `call`, which runs one core call under the trap and write oracles.
import { instantiateCore, type CoreExports } from '../../src/wasm/core.js';
import {
  RING_HEAD_OFFSET,
  RING_LOCAL_BYTES,
  RING_PARKED_OFFSET,
  RING_TAIL_OFFSET,
} from '../../src/wasm/layout.generated.js';
import { FuzzFinding, type RingModel } from './model.js';
import type { Geometry } from './program.js';
import { WriteGuard, type ByteRange } from './write-guard.js';

/** Where one program's objects lie; every gap between them is guard bytes. */
export interface FuzzLayout {
  memoryBytes: number;
  /** Private blocks of the producer, the consumer, and one for attach probes. */
  producer: number;
  consumer: number;
  scratch: number;
  /** The ring header, then its slots. */
  ring: number;
  ringBytes: number;
  /** The caller's source buffer for msgWrite and destination buffer for msgRead. */
  src: number;
  dst: number;
  /** Bytes reserved for each of src and dst. */
  bufferBytes: number;
}

export interface FuzzContext {
  readonly core: CoreExports;
  readonly layout: FuzzLayout;
  readonly geometry: Geometry;
  readonly model: RingModel;
  readonly guard: WriteGuard;
  /** The memory as bytes and as little-endian words (one page: it never grows). */
  readonly bytes: Uint8Array;
  readonly view: DataView;
}

/**
 * Runs `fn` (one core call) and returns its result. A trap or an abort becomes a finding;
 * so does any byte written outside `allowed(result)`.
 */
export function call(
  ctx: FuzzContext,
  name: string,
  fn: () => number | void,
  allowed: (result: number) => ByteRange[],
): number {
  let result: number;
  try {
    result = fn() ?? 0;
  } catch (error) {
    const kind = error instanceof WebAssembly.RuntimeError ? 'trap' : 'throw';
    throw new FuzzFinding(`${name}: ${kind}: ${(error as Error).message}`);
  }
  const stray = ctx.guard.check(allowed(result));
  if (stray !== null) throw new FuzzFinding(`${name} returned ${result} and wrote ${stray}`);
  return result;
}

export function localRange(address: number, name: string): ByteRange {
  return { start: address, end: address + RING_LOCAL_BYTES, name };
}

/** The u32 word at ring header offset `offset`. */
export function headerWord(ctx: FuzzContext, offset: number): ByteRange {
  const names: Record<number, string> = {
    [RING_HEAD_OFFSET]: 'head',
    [RING_PARKED_OFFSET]: 'parked',
    [RING_TAIL_OFFSET]: 'tail',
  };
  const start = ctx.layout.ring + offset;
  return { start, end: start + 4, name: names[offset] ?? `header+${offset}` };
}

/** The slot that cursor value `cursor` maps to. */
export function slotRange(ctx: FuzzContext, cursor: number): ByteRange {
  const start = ctx.model.slotAddress(cursor);
  return { start, end: start + ctx.geometry.slotBytes, name: `slot ${cursor & ctx.model.mask}` };
}

/** Writes between a producer and the ring: its block, the tail, and the slot it reserves. */
export function producerWrites(ctx: FuzzContext): ByteRange[] {
  return [
    localRange(ctx.layout.producer, 'producer block'),
    headerWord(ctx, RING_TAIL_OFFSET),
    slotRange(ctx, ctx.model.pCursor),
  ];
}

export function consumerBlock(ctx: FuzzContext): ByteRange[] {
  return [localRange(ctx.layout.consumer, 'consumer block')];
}

/** Whether [address, address + length) lies inside the memory (the core's ERR_INVAL rule). */
export function inMemory(ctx: FuzzContext, address: number, length: number): boolean {
  return address + length <= ctx.layout.memoryBytes;
}

/** Reads `bytes` of memory as a copy. */
export function readBytes(ctx: FuzzContext, address: number, length: number): Uint8Array {
  return ctx.bytes.slice(address, address + length);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/**
 * What both fuzz targets are built on: `pages` of shared memory that never grow (the core is
 * told its size by memory.size), the core `module` instantiated over it, and a WriteGuard that
 * skips the `ignored` ranges (the coverage build's counters). `staticEnd` is where the
 * targets' own objects may start.
 */
export abstract class FuzzInstance {
  readonly memory: WebAssembly.Memory;
  readonly core: CoreExports;
  protected readonly bytes: Uint8Array;
  protected readonly guard: WriteGuard;
  protected readonly staticEnd: number;

  constructor(
    pages: number,
    gapBytes: number,
    module: WebAssembly.Module,
    ignored: (core: CoreExports) => ByteRange[],
  ) {
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    this.core = instantiateCore(this.memory, module);
    this.bytes = new Uint8Array(this.memory.buffer);
    this.guard = new WriteGuard(this.bytes, ignored(this.core));
    this.staticEnd = Math.ceil(this.core.heapBase() / gapBytes) * gapBytes;
  }

  /** Runs the program `input` encodes; throws a FuzzFinding when an oracle breaks. */
  abstract run(input: Uint8Array): void;
}
