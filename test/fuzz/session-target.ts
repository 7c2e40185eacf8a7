// The session-protocol fuzz target: arbitrary bytes become a program in which a hostile
// connector forges messages, scribbles over the shared segment and sends honest ones, while
// the acceptor polls, answers and releases (session-ops.ts). Until the first hostile write
// the reference model (session-model.ts) predicts every status and event, with its fields
// and the bytes it points at; forged messages are only bytes it knows. Always, it throws a
// FuzzFinding on a trap, a write outside what the call may write, a status no export may
// return, or an event that points the caller at bytes outside what the peer may write.
// Single-threaded; one instance serves any number of inputs.
import { coreModule, type CoreExports } from '../../src/wasm/core.js';
import {
  ERR_ACCES,
  ERR_AGAIN,
  ERR_INVAL,
  ERR_MSGSIZE,
  ERR_NOBUFS,
  ERR_NOTCONN,
  ERR_PROTO,
  REG_ENTRY_BYTES,
  RING_HEADER_BYTES,
  RING_PARKED_OFFSET,
  RING_TAIL_OFFSET,
  SEG_ACCEPTOR_FLAGS_OFFSET,
  SEG_BULK_OFFSET,
  SEG_CONNECTOR_FLAGS_OFFSET,
  SEG_CTL_A2C_OFFSET,
  SEG_CTL_C2A_OFFSET,
  SEG_HEADER_BYTES,
  SEG_REG_TABLE_OFFSET,
  SEG_RING_A2C_OFFSET,
  SEG_RING_C2A_OFFSET,
  SES_CTL_RING_CAPACITY,
  SES_CTL_SLOT_BYTES,
  SES_FLAG_RDMA_READ,
  SES_ROLE_ACCEPTOR,
  SES_ROLE_CONNECTOR,
} from '../../src/wasm/layout.generated.js';
import { FuzzFinding, expect } from './model.js';
import { FuzzInstance } from './context.js';
import { Reader } from './byte-reader.js';
import { SessionModel, type SegmentMap, type Side } from './session-model.js';
import { SESSION_OPS } from './session-ops.js';
import type { Area, SessionContext, Seen } from './session-sends.js';
import { sharedDifference } from './session-oracles.js';
import type { ByteRange } from './write-guard.js';

const MEMORY_PAGES = 2;
const GAP_BYTES = 64;
/** A small segment, so that programs reach full rings, a full table and a full half. */
const GEOMETRY = { capacity: 4, slotBytes: 256, entries: 4, halfBytes: 4096 };
const MAX_STEPS = 200;
/** Every status an export may return. */
const STATUSES = new Set([
  ERR_AGAIN,
  ERR_INVAL,
  ERR_PROTO,
  ERR_MSGSIZE,
  ERR_ACCES,
  ERR_NOBUFS,
  ERR_NOTCONN,
]);

const align = (value: number, to: number): number => Math.ceil(value / to) * to;

/** The program's objects: both private blocks and the segment's parts. */
export interface SessionLayout extends SegmentMap {
  /** Private blocks of the connector and the acceptor, `stateBytes` each. */
  blocks: [number, number];
  stateBytes: number;
}

export class SessionFuzzTarget extends FuzzInstance implements SessionContext {
  readonly layout: SessionLayout;
  readonly geometry = GEOMETRY;
  readonly view: DataView;
  model: SessionModel | null = null;
  hostile = false;
  readonly seen: Seen = { values: [], pairs: [] };
  #serial = 0;

  /** As FuzzTarget: `ignored` gives the ranges the write oracle skips (coverage counters). */
  constructor(
    module: WebAssembly.Module = coreModule(),
    ignored: (core: CoreExports) => ByteRange[] = () => [],
  ) {
    super(MEMORY_PAGES, GAP_BYTES, module, ignored);
    this.view = new DataView(this.memory.buffer);
    this.layout = this.#plan();
  }

  #plan(): SessionLayout {
    const { core } = this;
    const { capacity, slotBytes, entries, halfBytes } = GEOMETRY;
    const stateBytes = align(core.sesStateBytes(entries), GAP_BYTES);
    const a = this.staticEnd + GAP_BYTES;
    const b = a + stateBytes + GAP_BYTES;
    const seg = align(b + stateBytes + GAP_BYTES, 4096);
    const segBytes = core.segBytes(capacity, slotBytes, entries, halfBytes);
    if (seg + segBytes + GAP_BYTES > this.bytes.length) throw new RangeError('no room');
    const halfA = seg + core.segBulkOffset(capacity, slotBytes, entries, halfBytes);
    const ring = core.ringBytes(capacity, slotBytes);
    const control = core.ringBytes(SES_CTL_RING_CAPACITY, SES_CTL_SLOT_BYTES);
    const c2a = seg + SEG_HEADER_BYTES;
    const table = c2a + 2 * ring + 2 * control;
    return {
      blocks: [a, b],
      stateBytes,
      seg,
      segBytes,
      rings: [c2a, c2a + ring, c2a + 2 * ring, c2a + 2 * ring + control],
      flags: [seg + SEG_CONNECTOR_FLAGS_OFFSET, seg + SEG_ACCEPTOR_FLAGS_OFFSET],
      tables: [table, table + entries * REG_ENTRY_BYTES],
      halves: [halfA, halfA + halfBytes],
      memoryBytes: this.bytes.length,
    };
  }

  /** The offsets segFormat wrote must be where this target expects each part. */
  #checkHeader(): void {
    const { seg, rings, tables, halves } = this.layout;
    const want: [number, number][] = [
      [SEG_RING_C2A_OFFSET, rings[0]],
      [SEG_RING_A2C_OFFSET, rings[1]],
      [SEG_CTL_C2A_OFFSET, rings[2]],
      [SEG_CTL_A2C_OFFSET, rings[3]],
      [SEG_REG_TABLE_OFFSET, tables[0]],
      [SEG_BULK_OFFSET, halves[0]],
    ];
    for (const [offset, address] of want) {
      const real = seg + this.view.getUint32(seg + offset, true);
      expect(real === address, () => `segment header +${offset}: ${real}, this target ${address}`);
    }
  }

  /** Runs the program `input` encodes; throws a FuzzFinding naming the step that broke. */
  run(input: Uint8Array): void {
    const read = new Reader(input);
    this.#setUp(read.u8());
    for (let step = 0; !read.done && step < MAX_STEPS; step++) {
      const op = SESSION_OPS[read.u8() % SESSION_OPS.length];
      try {
        op?.(this, read);
      } catch (error) {
        if (!(error instanceof FuzzFinding)) throw error;
        const mode = this.model ? 'modelled' : 'after a hostile write';
        throw new FuzzFinding(`step ${step} ${op?.name} (${mode}): ${error.message}`);
      }
    }
  }

  /**
   * Setup byte: bit 0 the connector offers RDMA read, bit 1 the acceptor does; bit 2 lets
   * the program write anywhere in the segment; bits 3–5 all set leave negotiation to the
   * program; bits 6–7 the connector's threshold (× 64).
   */
  #setUp(setup: number): void {
    const { core, layout } = this;
    const { seg, blocks } = layout;
    const { capacity, slotBytes, entries, halfBytes } = GEOMETRY;
    this.guard.reset(this.staticEnd);
    this.seen.values.length = this.seen.pairs.length = 0;
    this.hostile = (setup & 4) !== 0;
    const segment = { start: seg, end: seg + layout.segBytes, name: 'segment' };
    const format = (): number => core.segFormat(seg, capacity, slotBytes, entries, halfBytes);
    this.#call('segFormat', 0, [segment], format);
    this.#checkHeader();
    const offer = (bit: number): number => (setup & bit ? SES_FLAG_RDMA_READ : 0);
    const flags: [number, number] = [offer(1), offer(2)];
    for (const side of [0, 1] as const) {
      const role = side === 0 ? SES_ROLE_CONNECTOR : SES_ROLE_ACCEPTOR;
      const init = (): number =>
        core.sesInit(blocks[side], seg, role, capacity, slotBytes, entries, halfBytes, flags[side]);
      const status = this.#call('sesInit', side, [segment], init);
      expect(status === 0, () => `sesInit refused: ${status}`);
    }
    this.model = new SessionModel(GEOMETRY, layout, this.bytes, flags);
    if ((setup & 0x38) === 0x38) return;
    // Mostly negotiated, so that programs reach the data paths.
    for (const side of [0, 1] as const) {
      const ses = blocks[side];
      const threshold = side === 0 ? (setup >> 6) * 64 : 0;
      const want = this.model.negotiate(side, threshold);
      this.step(
        'sesNegotiate',
        side,
        ['flags', 'txSlots'],
        () => core.sesNegotiate(ses, threshold),
        want,
      );
      this.flush(side);
    }
  }

  /** sesFlush of `side`, checked against the model: its result and the bytes it publishes. */
  flush(side: Side): void {
    const ses = this.layout.blocks[side];
    const want = this.model?.flush(side);
    this.step('sesFlush', side, ['txTail'], () => this.core.sesFlush(ses), want?.result);
    for (const { address, bytes } of want?.slots ?? [])
      this.expectBytes(address, bytes, 'published');
  }

  /** Fails unless memory at `address` holds `bytes`. */
  expectBytes(address: number, bytes: Uint8Array, what: string): void {
    const real = this.bytes.subarray(address, address + bytes.length);
    if (Buffer.compare(real, bytes) === 0) return;
    const at = real.findIndex((byte, i) => byte !== bytes[i]);
    expect(false, () => `${what} byte ${at} at ${address + at} is ${real[at]}, want ${bytes[at]}`);
  }

  /** The harness's own write (the application's bytes, a forged slot, a hostile peer's). */
  write(address: number, bytes: Uint8Array, hostile: boolean): void {
    this.guard.write(address, bytes);
    if (hostile) this.model = null;
    else this.model?.stage(address, bytes);
  }

  /** Bytes no two calls fill alike, and never equal to themselves shifted. */
  pattern(length: number): Uint8Array {
    const seed = this.#serial++ * 29;
    return Uint8Array.from({ length }, (_, i) => (i * 131 + seed + (i >> 8) * 7 + 0x3c) & 0xff);
  }

  /**
   * Runs one core call of `side` under the oracles: with the model, it must return `want`
   * and leave the shared words and bulk halves as the model has them; without, it must
   * return a result or a known status.
   */
  step(name: string, side: Side, areas: Area[], fn: () => number, want?: number): number {
    if (this.model && want === undefined) throw new Error(`${name}: the model has no prediction`);
    const real = this.#call(name, side, areas, fn);
    if (this.model && want !== undefined) {
      expect(real === want, () => `${name}: got ${real}, want ${want}`);
      const wrong = sharedDifference(this.model, this.view);
      expect(wrong === null, () => `after ${name}: ${wrong}`);
    } else {
      expect(real >= 0 || STATUSES.has(real), () => `${name}: status ${real}`);
    }
    return real;
  }

  /** Runs one core call under the trap and write oracles. */
  #call(name: string, side: Side, areas: (Area | ByteRange)[], fn: () => number): number {
    let result: number;
    try {
      result = fn();
    } catch (error) {
      throw new FuzzFinding(`${name} trapped: ${(error as Error).message}`);
    }
    const block = this.layout.blocks[side];
    const allowed = [{ start: block, end: block + this.layout.stateBytes, name: 'caller state' }];
    for (const area of areas) {
      if (typeof area === 'string') allowed.push(...this.#area(side, area));
      else allowed.push(area);
    }
    const wrote = this.guard.check(allowed);
    expect(wrote === null, () => `${name}: ${wrote}`);
    return result;
  }

  /** The shared bytes a call of `side` may write, by kind. */
  #area(side: Side, area: Area): ByteRange[] {
    const { rings, flags, tables, halves } = this.layout;
    const { capacity, slotBytes, entries, halfBytes } = GEOMETRY;
    const [tx, rx] = side === 0 ? [rings[0], rings[1]] : [rings[1], rings[0]];
    const [ctlTx, ctlRx] = side === 0 ? [rings[2], rings[3]] : [rings[3], rings[2]];
    const range = (start: number, bytes: number, name: string): ByteRange => ({
      start,
      end: start + bytes,
      name: `${name} of side ${side}`,
    });
    const slots = RING_HEADER_BYTES;
    switch (area) {
      case 'flags':
        return [range(flags[side], 4, 'flags')];
      case 'txSlots':
        return [range(tx + slots, capacity * slotBytes, 'data slots')];
      case 'ctlSlots':
        return [range(ctlTx + slots, SES_CTL_RING_CAPACITY * SES_CTL_SLOT_BYTES, 'control slots')];
      case 'txTail':
        return [
          range(tx + RING_TAIL_OFFSET, 4, 'tail'),
          range(ctlTx + RING_TAIL_OFFSET, 4, 'tail'),
        ];
      case 'rxHeads':
        return [range(rx, 4, 'head'), range(ctlRx, 4, 'control head')];
      case 'rxParked':
        return [rx, ctlRx].map((ring) => range(ring + RING_PARKED_OFFSET, 4, 'parked'));
      case 'table':
        return [range(tables[side], entries * REG_ENTRY_BYTES, 'table')];
      case 'peerHalf':
        return [range(halves[side === 0 ? 1 : 0], halfBytes, 'peer half')];
    }
  }
}
