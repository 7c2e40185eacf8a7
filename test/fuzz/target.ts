// The fuzz target: runs the program that a byte string encodes on one ring of the WASM core,
// in one page of shared memory, and throws a FuzzFinding when an oracle breaks: a trap, a
// write outside the ring, the private blocks and the caller's buffer, a status or byte the
// reference model rules out. Single-threaded; one instance serves any number of inputs.
import { coreModule, type CoreExports } from '../../src/wasm/core.js';
import {
  RING_HEAD_OFFSET,
  RING_HEADER_BYTES,
  RING_PARKED_OFFSET,
  RING_TAIL_OFFSET,
} from '../../src/wasm/layout.generated.js';
import {
  call,
  FuzzInstance,
  headerWord,
  localRange,
  readBytes,
  sameBytes,
  type FuzzContext,
  type FuzzLayout,
} from './context.js';
import { FuzzFinding, RingModel, expect } from './model.js';
import { CONSUMER_OPS } from './ops-consumer.js';
import { PEER_OPS } from './ops-peer.js';
import { PRODUCER_OPS } from './ops-producer.js';
import { decodeProgram, type Geometry, type Op, type OpKind, type Program } from './program.js';
import type { ByteRange } from './write-guard.js';

/** The fuzz memory: one 64 KiB page, fixed (the core is told its size by memory.size). */
const MEMORY_PAGES = 1;
const GAP_BYTES = 64;
/** Room for the largest payload a program's ring has (1016 B) plus capacities past it. */
const BUFFER_BYTES = 1088;

type OpFn = (ctx: FuzzContext, args: Op['args']) => void;
const OPS: Record<OpKind, OpFn> = { ...PRODUCER_OPS, ...CONSUMER_OPS, ...PEER_OPS };

const align = (value: number, to: number): number => Math.ceil(value / to) * to;

export class FuzzTarget extends FuzzInstance {
  /**
   * A target over `module` (default: the release core, build/core.wasm). `ignored` gives the
   * byte ranges the write oracle skips (the coverage build's counters) once instantiated.
   */
  constructor(
    module: WebAssembly.Module = coreModule(),
    ignored: (core: CoreExports) => ByteRange[] = () => [],
  ) {
    super(MEMORY_PAGES, GAP_BYTES, module, ignored);
  }

  /** Runs the program `input` encodes; throws a FuzzFinding naming the operation that broke. */
  run(input: Uint8Array): void {
    this.runProgram(decodeProgram(input));
  }

  runProgram(program: Program): void {
    const ctx = this.#setUp(program.geometry);
    program.ops.forEach((op, i) => {
      try {
        OPS[op.kind](ctx, op.args);
      } catch (error) {
        if (!(error instanceof FuzzFinding)) throw error;
        throw new FuzzFinding(`op ${i} ${op.kind}: ${error.message} [${ctx.model.describe()}]`);
      }
    });
    try {
      checkFinalState(ctx);
    } catch (error) {
      if (error instanceof FuzzFinding) error.message = `at the end: ${error.message}`;
      throw error;
    }
  }

  #layout(geometry: Geometry): FuzzLayout {
    const producer = this.staticEnd + GAP_BYTES;
    const consumer = producer + 2 * GAP_BYTES;
    const scratch = consumer + 2 * GAP_BYTES;
    const ring = scratch + 2 * GAP_BYTES;
    const ringBytes = RING_HEADER_BYTES + geometry.capacity * geometry.slotBytes;
    const src = align(ring + ringBytes + GAP_BYTES, GAP_BYTES);
    const dst = src + BUFFER_BYTES + GAP_BYTES;
    const memoryBytes = this.bytes.length;
    // The top BUFFER_BYTES stay free: edge-of-memory buffers and attach probes land there.
    if (dst + BUFFER_BYTES + GAP_BYTES > memoryBytes - BUFFER_BYTES) {
      throw new RangeError(`fuzz layout does not fit: heapBase ${this.staticEnd}`);
    }
    return {
      memoryBytes,
      producer,
      consumer,
      scratch,
      ring,
      ringBytes,
      src,
      dst,
      bufferBytes: BUFFER_BYTES,
    };
  }

  /** Fills the memory with the guard pattern, formats the ring and attaches both ends. */
  #setUp(geometry: Geometry): FuzzContext {
    const layout = this.#layout(geometry);
    this.guard.reset(this.staticEnd);
    const { core } = this;
    const { capacity, slotBytes, start } = geometry;
    const view = new DataView(this.memory.buffer);
    const slots = this.bytes.slice(layout.ring + RING_HEADER_BYTES, layout.ring + layout.ringBytes);
    const model = new RingModel(geometry, layout.ring, slots);
    const ctx: FuzzContext = {
      core,
      layout,
      geometry,
      model,
      guard: this.guard,
      bytes: this.bytes,
      view,
    };
    const header = [RING_HEAD_OFFSET, RING_PARKED_OFFSET, RING_TAIL_OFFSET].map((o) =>
      headerWord(ctx, o),
    );
    // start 0 goes through the plain entry points so that they are fuzzed too.
    const format = (): void =>
      start === 0 ? core.ringFormat(layout.ring) : core.ringFormatAt(layout.ring, start);
    call(ctx, 'ringFormat', format, () => header);
    for (const local of [layout.producer, layout.consumer]) {
      const attach = (): number =>
        start === 0
          ? core.ringAttach(local, layout.ring, capacity, slotBytes)
          : core.ringAttachAt(local, layout.ring, capacity, slotBytes, start);
      const status = call(ctx, 'ringAttach', attach, () => [localRange(local, 'block')]);
      expect(status === 0, () => `ringAttach refused ${capacity} x ${slotBytes}: ${status}`);
    }
    return ctx;
  }
}

/** Slots always match the model; cursors do too unless the hostile peer rewrote them. */
function checkFinalState(ctx: FuzzContext): void {
  const { model, layout, view } = ctx;
  const slots = readBytes(ctx, layout.ring + RING_HEADER_BYTES, model.image.length);
  expect(sameBytes(slots, model.image), () => `slot bytes differ from the model`);
  const parked = view.getUint32(layout.ring + RING_PARKED_OFFSET, true);
  expect(parked === model.parked, () => `parked is ${parked}, want ${model.parked}`);
  if (model.tainted) return;
  const head = view.getUint32(layout.ring + RING_HEAD_OFFSET, true);
  const tail = view.getUint32(layout.ring + RING_TAIL_OFFSET, true);
  expect(head === model.cReleased, () => `head is ${head}, want ${model.cReleased}`);
  expect(tail === model.pPublished, () => `tail is ${tail}, want ${model.pPublished}`);
}
