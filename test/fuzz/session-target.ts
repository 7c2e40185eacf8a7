// The session-protocol fuzz target: arbitrary bytes become a program in which a hostile
// connector forges messages, scribbles over the shared segment and sends honest ones, while
// the acceptor polls, answers and releases. It throws a FuzzFinding when an oracle breaks: a
// trap, a write outside the segment and the caller's private block, a status no export may
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
  SES_EV_DATA,
  SES_EV_RNDV_READ,
  SES_EV_RNDV_WRITE,
  SES_EV_RST,
  SES_EV_WRITE_DONE,
  SES_FLAG_RDMA_READ,
  SES_ROLE_ACCEPTOR,
  SES_ROLE_CONNECTOR,
} from '../../src/wasm/layout.generated.js';
import { FuzzFinding, expect } from './model.js';
import { FuzzInstance } from './context.js';
import { Reader } from './byte-reader.js';
import type { ByteRange } from './write-guard.js';

const MEMORY_PAGES = 2;
const GAP_BYTES = 64;
/** A small segment, so that programs reach full rings, a full table and a full half. */
const GEOMETRY = { capacity: 4, slotBytes: 256, entries: 4, halfBytes: 4096 };
const STATUSES = new Set([ERR_AGAIN, ERR_INVAL, ERR_PROTO, ERR_MSGSIZE, ERR_ACCES]);
const SEND_STATUSES = new Set([...STATUSES, ERR_NOBUFS, ERR_NOTCONN]);

const align = (value: number, to: number): number => Math.ceil(value / to) * to;

interface Layout {
  a: number;
  b: number;
  seg: number;
  segBytes: number;
  /** The connector's bulk half (the peer's, seen from the acceptor) and the acceptor's. */
  halfA: number;
  halfB: number;
}

export class SessionFuzzTarget extends FuzzInstance {
  readonly #layout: Layout;

  /** As FuzzTarget: `ignored` gives the ranges the write oracle skips (coverage counters). */
  constructor(
    module: WebAssembly.Module = coreModule(),
    ignored: (core: CoreExports) => ByteRange[] = () => [],
  ) {
    super(MEMORY_PAGES, GAP_BYTES, module, ignored);
    this.#layout = this.#plan();
  }

  #plan(): Layout {
    const { core } = this;
    const { capacity, slotBytes, entries, halfBytes } = GEOMETRY;
    const state = align(core.sesStateBytes(entries), GAP_BYTES);
    const a = this.staticEnd + GAP_BYTES;
    const b = a + state + GAP_BYTES;
    const seg = align(b + state + GAP_BYTES, 4096);
    const segBytes = core.segBytes(capacity, slotBytes, entries, halfBytes);
    if (seg + segBytes + GAP_BYTES > this.bytes.length) throw new RangeError('no room');
    const halfA = seg + core.segBulkOffset(capacity, slotBytes, entries, halfBytes);
    return { a, b, seg, segBytes, halfA, halfB: halfA + halfBytes };
  }

  /** Runs the program `input` encodes; throws a FuzzFinding naming the step that broke. */
  run(input: Uint8Array): void {
    const read = new Reader(input);
    const { a, b } = this.#layout;
    const setup = read.u8();
    this.#setUp(setup);
    for (let step = 0; !read.done && step < 200; step++) {
      const op = read.u8() % 8;
      try {
        this.#op(op, read, a, b);
      } catch (error) {
        if (!(error instanceof FuzzFinding)) throw error;
        throw new FuzzFinding(`step ${step} op ${op}: ${error.message}`);
      }
    }
  }

  #setUp(setup: number): void {
    const { core } = this;
    const { a, b, seg } = this.#layout;
    const { capacity, slotBytes, entries, halfBytes } = GEOMETRY;
    this.guard.reset(this.staticEnd);
    this.#call('segFormat', a, () => core.segFormat(seg, capacity, slotBytes, entries, halfBytes));
    const flagsA = setup & 1 ? SES_FLAG_RDMA_READ : 0;
    const flagsB = setup & 2 ? SES_FLAG_RDMA_READ : 0;
    for (const [ses, role, flags] of [
      [a, SES_ROLE_CONNECTOR, flagsA],
      [b, SES_ROLE_ACCEPTOR, flagsB],
    ] as const) {
      const status = this.#call('sesInit', ses, () =>
        core.sesInit(ses, seg, role, capacity, slotBytes, entries, halfBytes, flags),
      );
      expect(status === 0, () => `sesInit refused: ${status}`);
    }
    if (setup & 4) return;
    // Mostly negotiated, so that programs reach the data paths.
    this.#call('sesNegotiate', a, () => core.sesNegotiate(a, (setup >> 3) * 64));
    this.#call('sesFlush', a, () => core.sesFlush(a));
    this.#call('sesNegotiate', b, () => core.sesNegotiate(b, 0));
    this.#call('sesFlush', b, () => core.sesFlush(b));
  }

  #op(op: number, read: Reader, a: number, b: number): void {
    switch (op) {
      case 0:
        return this.#forge(read);
      case 1:
        return this.#scribble(read);
      case 2:
        return this.#poll(b, (read.u8() % 4) + 1, false);
      case 3:
        return this.#poll(b, (read.u8() % 4) + 1, true);
      case 4:
        return this.#send(a, read, this.#layout.halfA);
      case 5:
        return this.#send(b, read, this.#layout.halfB);
      case 6:
        return this.#poll(a, (read.u8() % 4) + 1, false);
      default:
        return this.#flagsAndSleep(read.u8() % 8, a, b);
    }
  }

  // The flag words the peer can also write: reset, parking and waiting for credits.
  #flagsAndSleep(kind: number, a: number, b: number): void {
    const { core } = this;
    let status = 0;
    if (kind === 0) status = this.#call('sesReset', a, () => (core.sesReset(a), 0));
    else if (kind === 1) status = this.#call('sesWaitCredit', b, () => core.sesWaitCredit(b));
    else if (kind === 2) status = this.#call('sesPark', b, () => core.sesPark(b, 0));
    else if (kind === 3) status = this.#call('sesUnpark', b, () => (core.sesUnpark(b), 0));
    else if (kind === 4) status = this.#call('sesPeerReset', b, () => core.sesPeerReset(b));
    else if (kind === 5) status = this.#call('sesWaitCredit', a, () => core.sesWaitCredit(a));
    else if (kind === 6) status = this.#call('sesPark', a, () => core.sesPark(a, 1));
    else status = this.#call('rnicDown', b, () => (core.rnicDown(core.sesRnic(b)), 0));
    expect(status >= 0 || STATUSES.has(status), () => `flag op ${kind}: status ${status}`);
  }

  // The connector's core is bypassed: one raw message (any length, type and words) in its data
  // or control ring.
  #forge(read: Reader): void {
    const { core } = this;
    const { a } = this.#layout;
    const length = read.u16();
    const kind = read.u8();
    const type = kind % 10;
    const ring = kind >= 128 ? core.sesCtlTxRing(a) : core.sesTxRing(a);
    const words = [read.u32(), read.u32(), read.u32(), read.u32()];
    const slot = this.#call('ringReserve', a, () => core.ringReserve(ring));
    if (slot < 0) return;
    const bytes = new Uint8Array(8 + words.length * 4);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, length, true);
    view.setUint32(4, type, true);
    words.forEach((word, i) => view.setUint32(8 + i * 4, word, true));
    this.guard.write(slot, bytes);
    this.#call('ringCommit', a, () => core.ringCommit(ring));
  }

  // The hostile peer writes whatever it likes anywhere in the shared segment.
  #scribble(read: Reader): void {
    const { seg, segBytes } = this.#layout;
    const at = read.u16() % segBytes;
    const length = Math.min(read.u8() % 16, segBytes - at);
    const bytes = Uint8Array.from({ length }, () => read.u8());
    this.guard.write(seg + at, bytes);
  }

  #send(ses: number, read: Reader, ownHalf: number): void {
    const { core } = this;
    const kind = read.u8() % 6;
    const n = read.u16();
    let status = 0;
    if (kind === 0) {
      const payload = this.#call('sesDataSlot', ses, () => core.sesDataSlot(ses));
      if (payload >= 0)
        status = this.#call('sesDataCommit', ses, () => core.sesDataCommit(ses, n % 300));
      else status = payload;
    } else if (kind === 1) {
      const offset = read.u16() % GEOMETRY.halfBytes;
      status = this.#call('sesSendRndv', ses, () => core.sesSendRndv(ses, ownHalf + offset, n));
    } else if (kind === 2) {
      status = this.#call('sesSendDone', ses, () => core.sesSendDone(ses, read.u8(), n));
    } else if (kind === 3) {
      const offset = read.u16() % GEOMETRY.halfBytes;
      status = this.#call('sesSendTarget', ses, () => core.sesSendTarget(ses, ownHalf + offset, n));
    } else if (kind === 4) {
      status = this.#call('sesSendFin', ses, () => core.sesSendFin(ses));
    } else {
      status = this.#call('sesDeregister', ses, () => core.sesDeregister(ses, read.u8()));
    }
    expect(status >= 0 || SEND_STATUSES.has(status), () => `send kind ${kind}: status ${status}`);
    this.#call('sesFlush', ses, () => core.sesFlush(ses));
  }

  // sesPoll, or with `control` sesPollControl (a paused receiver), `times` times.
  #poll(ses: number, times: number, control: boolean): void {
    const { core } = this;
    const poll = control ? () => core.sesPollControl(ses) : () => core.sesPoll(ses);
    for (let i = 0; i < times; i++) {
      const event = this.#call('sesPoll', ses, poll);
      if (event < 0) {
        expect(STATUSES.has(event) || event === ERR_NOTCONN, () => `sesPoll status ${event}`);
        if (event !== ERR_AGAIN) break;
        continue;
      }
      expect(event >= 1 && event <= SES_EV_RST, () => `sesPoll event ${event}`);
      this.#checkEvent(ses, event);
    }
    this.#call('sesRelease', ses, () => core.sesRelease(ses));
    this.#call('sesFlush', ses, () => core.sesFlush(ses));
  }

  // What an event hands the caller to copy must lie where the peer may write: the segment,
  // and for a read-based rendezvous, the peer's own bulk half.
  #checkEvent(ses: number, event: number): void {
    const { core } = this;
    const { seg, segBytes, halfA, halfB } = this.#layout;
    const inside = (start: number, bytes: number, from: number, to: number): boolean =>
      bytes >= 0 && start >= from && start + bytes <= to;
    const addr = core.sesEvAddr(ses);
    const length = core.sesEvLength(ses);
    const total = core.sesEvTotal(ses);
    if (event === SES_EV_DATA || event === SES_EV_RNDV_READ || event === SES_EV_RNDV_WRITE) {
      expect(
        inside(addr, length, seg, seg + segBytes),
        () => `event ${event} at ${addr}+${length}`,
      );
    }
    if (event === SES_EV_RNDV_READ || event === SES_EV_RNDV_WRITE) {
      expect(total > length, () => `rendezvous total ${total} not above its first ${length}`);
    }
    if (event === SES_EV_RNDV_READ) {
      const peerHalf = ses === this.#layout.b ? halfA : halfB;
      const source = core.sesEvSource(ses);
      const rest = total - length;
      expect(
        inside(source, rest, peerHalf, peerHalf + GEOMETRY.halfBytes),
        () => `read source ${source}+${rest} outside the peer half`,
      );
    }
    if (event === SES_EV_WRITE_DONE) {
      const ownHalf = ses === this.#layout.b ? halfB : halfA;
      expect(
        inside(addr, length, ownHalf, ownHalf + GEOMETRY.halfBytes),
        () => `write target ${addr}+${length} outside the own half`,
      );
    }
  }

  /** Runs one core call under the trap and write oracles; `ses` names the caller's block. */
  #call(name: string, ses: number, fn: () => number): number {
    let result: number;
    try {
      result = fn();
    } catch (error) {
      throw new FuzzFinding(`${name} trapped: ${(error as Error).message}`);
    }
    const { seg, segBytes } = this.#layout;
    const state = align(this.core.sesStateBytes(GEOMETRY.entries), GAP_BYTES);
    const wrote = this.guard.check([
      { start: seg, end: seg + segBytes, name: 'segment' },
      { start: ses, end: ses + state, name: 'caller state' },
    ]);
    expect(wrote === null, () => `${name}: ${wrote}`);
    return result;
  }
}
