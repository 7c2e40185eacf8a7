// The sending half of a session conduit: queues the application's writes and control
// messages and moves them into the data ring (DATA, copied into slots in place) or the bulk
// half (RNDV, SES-9) as credits and bulk space allow, and DONEs into the control ring. A DATA
// slot stays open until it is published, so that small writes made one after another share
// it. Every status the core returns is handled here: an impossible one stops the sender with
// `fault` and its status, for the conduit to reset the connection. Main thread only.
import type { CoreExports } from '../wasm/core.js';
import type { ExtentAllocator } from '../wasm/extent-allocator.js';
import { ERR_AGAIN, ERR_NOBUFS, SEG_BULK_ALIGN_BYTES } from '../wasm/layout.generated.js';
import type { ControlChannel } from './receiver.js';
import { statusToError } from '../errors.js';
import { Fifo } from './fifo.js';
import { maxPayload, rndvFirstBytes, type SessionGeometry } from './geometry.js';

type WriteCb = (err?: Error | null) => void;

const NO_CALLBACKS: readonly WriteCb[] = Object.freeze([]);

// Rendezvous pieces per bulk half: with whole halves the sides take turns (stage, read);
// quarters overlap them (4 MiB writes, two processes: 1.5 → 2.0 GiB/s, eighths 1.7).
const PIECES_PER_HALF = 4;

interface QueuedWrite {
  chunk: Buffer;
  offset: number;
  cb: WriteCb;
  /** Set for the FIN marker that end() queues. */
  fin?: boolean;
  /** The chunk is registered memory in this side's bulk half: sent with no staging copy. */
  registered?: boolean;
  /** A registered send was announced: its callback waits for the peer's DONE (or TARGET). */
  posted?: boolean;
}

/** A send in flight: staged bulk to free, or a registered write to complete, on its DONE. */
interface InFlight {
  address: number;
  bytes: number;
  write?: QueuedWrite;
}

/**
 * What cancel() found: the write was dropped (nothing more of it will be read), its
 * registered memory is the source of an outstanding RDMA (BLK-5), or it is not queued.
 */
export type CancelState = 'dropped' | 'rdma' | 'none';

/** A control message owed to the peer: DONE (key, length). */
interface Control {
  key: number;
  length: number;
}

/**
 * Why flush() stopped: nothing left, no data-ring credit, no control-ring credit, waiting
 * for bulk space (a DONE), or a status that must reset the connection (see faultStatus).
 */
export type FlushState = 'idle' | 'credits' | 'control' | 'bulk' | 'fault';

/** The DATA slot being filled: a view of its payload and the bytes in it so far. */
interface OpenSlot {
  view: Uint8Array;
  bytes: number;
}

/** The sending half of one session. Main thread only. */
export class SessionSender implements ControlChannel {
  readonly #core: CoreExports;
  readonly #ses: number;
  readonly #memory: WebAssembly.Memory;
  readonly #geometry: SessionGeometry;
  readonly #bulk: ExtentAllocator;
  readonly #queue = new Fifo<QueuedWrite>();
  readonly #controls = new Fifo<Control>();
  #open: OpenSlot | undefined;
  /** Bulk extents of sends in flight, by registration key. */
  readonly #inFlight = new Map<number, InFlight>();
  /** A rendezvous piece copied to bulk but not yet announced (no credit at the time). */
  #staged: { address: number; bytes: number } | undefined;
  #completed: WriteCb[] = [];
  /** Largest rendezvous piece, in bytes (PIECES_PER_HALF to a half, 64-byte aligned). */
  readonly #pieceBytes: number;
  /** Sends above this many bytes use the rendezvous path (SES-12). */
  threshold: number;
  /** The status that stopped flush() with `fault` (negative), else 0. */
  faultStatus = 0;
  /** Payload bytes of one DATA slot. */
  readonly #room: number;

  /** `bulk` allocates this side's bulk half, which the receiver and registered buffers share. */
  constructor(
    core: CoreExports,
    ses: number,
    memory: WebAssembly.Memory,
    geometry: SessionGeometry,
    bulk: ExtentAllocator,
  ) {
    this.#core = core;
    this.#ses = ses;
    this.#memory = memory;
    this.#geometry = geometry;
    this.#bulk = bulk;
    this.threshold = maxPayload(geometry);
    this.#room = maxPayload(geometry);
    const piece = Math.floor(geometry.halfBytes / PIECES_PER_HALF / SEG_BULK_ALIGN_BYTES);
    const least = Math.min(geometry.halfBytes, rndvFirstBytes(geometry) + 1);
    this.#pieceBytes = Math.max(piece * SEG_BULK_ALIGN_BYTES, least);
  }

  /** Whether the peer still has to pull data of ours by RDMA (announced, no DONE yet). */
  get rdmaPending(): boolean {
    return this.#inFlight.size > 0;
  }

  /** Whether DONEs wait for room in the control ring (the receiver then holds RNDVs back). */
  get controlsPending(): boolean {
    return this.#controls.length > 0;
  }

  /**
   * Publishes what was written into both rings (sesFlush); the open DATA slot is the peer's
   * from now on. Returns 1 when the peer must be rung.
   */
  publish(): number {
    this.#open = undefined;
    return this.#core.sesFlush(this.#ses);
  }

  /** Queues a write; `registered` when `chunk` lies in a registered part of the bulk half. */
  enqueue(chunk: Buffer, cb: WriteCb, registered = false): void {
    this.#queue.push({ chunk, offset: 0, cb, registered });
  }

  /**
   * Cancels the queued write of `chunk` (BLK-4/5). A dropped write's callback is returned for
   * the caller to fail; an announced registered send stays until its DONE or the reset.
   */
  cancel(chunk: Buffer): { state: CancelState; cb?: WriteCb } {
    const index = this.#queue.findIndex((write) => write.chunk === chunk && !write.fin);
    if (index >= 0) {
      const write = this.#queue.removeAt(index) as QueuedWrite;
      // A piece copied to bulk but not yet announced belongs to the head write.
      if (index === 0 && this.#staged) {
        this.#bulk.free(this.#staged.address, this.#staged.bytes);
        this.#staged = undefined;
      }
      return { state: 'dropped', cb: write.cb };
    }
    for (const flight of this.#inFlight.values()) {
      if (flight.write?.chunk === chunk) return { state: 'rdma' };
    }
    return { state: 'none' };
  }

  enqueueFin(cb: () => void): void {
    this.#queue.push({ chunk: Buffer.alloc(0), offset: 0, cb, fin: true });
  }

  /**
   * Sends DONE for `key` now when a credit is free (nothing queued ahead of it), else queues
   * it for flush(). True when it was written: the caller publishes it (sesFlush) at once, so
   * that the peer reuses its bulk while this side still delivers the data.
   */
  sendDone(key: number, length: number): boolean {
    if (this.#controls.length === 0 && this.#core.sesSendDone(this.#ses, key, length) === 0) {
      return true;
    }
    // No room (or an impossible cursor, which the next flush reports as a fault).
    this.#controls.push({ key, length });
    return false;
  }

  /** A read-based send finished (DONE) or a write-based one was written (TARGET). */
  release(key: number): void {
    const flight = this.#inFlight.get(key);
    if (!flight) return;
    this.#inFlight.delete(key);
    // The application's registered memory is its own: only its send completes now.
    if (flight.write) this.#completed.push(flight.write.cb);
    else this.#bulk.free(flight.address, flight.bytes);
  }

  /**
   * Moves as much as credits and bulk space allow into the transmit ring (not yet published:
   * the caller flushes). Write callbacks run after it returns, via takeCompleted().
   */
  flush(): FlushState {
    for (;;) {
      const control = this.#controls.at(0);
      if (!control) break;
      const status = this.#core.sesSendDone(this.#ses, control.key, control.length);
      if (status === ERR_AGAIN) return 'control';
      if (status < 0) return this.#fault(status);
      this.#controls.shift();
    }
    for (;;) {
      const head = this.#queue.at(0);
      if (!head) return 'idle';
      const state = head.fin ? this.#fin() : this.#write(head);
      if (state !== 'idle') return state;
      this.#queue.shift();
      if (!head.posted) this.#completed.push(head.cb);
    }
  }

  /**
   * Callbacks of writes whose bytes have all left the application's buffers. Allocates
   * nothing when there are none (the common case of a write that waits, or a step).
   */
  takeCompleted(): readonly WriteCb[] {
    if (this.#completed.length === 0) return NO_CALLBACKS;
    const completed = this.#completed;
    this.#completed = [];
    return completed;
  }

  /**
   * Fails every queued write with the error `fault()` builds (once, if any write is left) and
   * frees the bulk half (the conduit is closing). With `withdraw` the announced RNDVs are
   * deregistered (an abortive close, MEM-3); without, a graceful close leaves them for the
   * peer to read from the segment it still maps, as a kernel delivers a closed socket's send
   * buffer.
   */
  abort(fault: () => Error, withdraw: boolean): WriteCb[] {
    const failed = this.#queue.drain().map((write) => write.cb);
    this.#controls.clear();
    this.#open = undefined;
    const done = this.takeCompleted();
    for (const [key, flight] of [...this.#inFlight]) {
      if (withdraw) this.#core.sesDeregister(this.#ses, key);
      this.#inFlight.delete(key);
      // A registered send the peer never finished reading fails; staged bulk is freed.
      if (flight.write) failed.push(flight.write.cb);
      else this.#bulk.free(flight.address, flight.bytes);
    }
    const err = failed.length > 0 ? fault() : undefined;
    return [...done.map((cb) => () => cb(null)), ...failed.map((cb) => () => cb(err))];
  }

  // FIN follows the last stream message at once; the peer's DONEs for what is still in flight
  // arrive on the control ring, and a graceful close leaves those pieces readable.
  #fin(): FlushState {
    this.#open = undefined;
    const status = this.#core.sesSendFin(this.#ses);
    if (status === ERR_AGAIN) return 'credits';
    return status < 0 ? this.#fault(status) : 'idle';
  }

  #fault(status: number): FlushState {
    this.faultStatus = status;
    return 'fault';
  }

  #write(write: QueuedWrite): FlushState {
    const { chunk } = write;
    const bulk = chunk.length > this.threshold;
    if (write.registered && bulk && chunk.length > rndvFirstBytes(this.#geometry)) {
      return this.#registered(write);
    }
    while (write.offset < chunk.length) {
      const left = chunk.length - write.offset;
      const state =
        bulk && left > rndvFirstBytes(this.#geometry) ? this.#rendezvous(write) : this.#data(write);
      if (state !== 'idle') return state;
    }
    return 'idle';
  }

  // Stream bytes into the open DATA slot, or a new one: they go straight from the Buffers
  // into the slot (one JS copy). Small writes queued behind `write` share its slot, and later
  // writes fill it further until it is published, as TCP coalesces segments: a stream of
  // 64-byte writes then costs one credit per slot, not one per write.
  #data(write: QueuedWrite): FlushState {
    let open = this.#open;
    if (!open) {
      const payload = this.#core.sesDataSlot(this.#ses);
      if (payload === ERR_AGAIN) return 'credits';
      if (payload < 0) return this.#fault(payload);
      open = { view: new Uint8Array(this.#memory.buffer, payload, this.#room), bytes: 0 };
      this.#open = open;
    }
    const room = this.#room;
    const { view } = open;
    let bytes = this.#pack(write, view, open.bytes);
    for (let index = 1; bytes < room; index++) {
      const next = this.#queue.at(index);
      if (!next || next.fin || next.chunk.length > this.threshold) break;
      bytes = this.#pack(next, view, bytes);
    }
    const status = this.#core.sesDataCommit(this.#ses, bytes);
    if (status < 0) return this.#fault(status);
    open.bytes = bytes;
    if (bytes === room) this.#open = undefined;
    return 'idle';
  }

  // Copies as much of `write` as fits into `view` at `at`; returns the new fill level.
  #pack(write: QueuedWrite, view: Uint8Array, at: number): number {
    const { chunk, offset } = write;
    const bytes = Math.min(view.length - at, chunk.length - offset);
    view.set(bytes === chunk.length ? chunk : chunk.subarray(offset, offset + bytes), at);
    write.offset += bytes;
    return at + bytes;
  }

  // A registered send: announced straight from the application's memory, no staging copy
  // (MEM-7); its callback waits for the peer's RDMA to finish (DONE, or TARGET when written).
  #registered(write: QueuedWrite): FlushState {
    const address = write.chunk.byteOffset;
    this.#open = undefined;
    const key = this.#core.sesSendRndv(this.#ses, address, write.chunk.length);
    if (key === ERR_AGAIN) return this.#inFlight.size > 0 ? 'bulk' : 'credits';
    if (key === ERR_NOBUFS) return this.#noBulk(write);
    if (key < 0) return this.#fault(key);
    this.#inFlight.set(key, { address, bytes: write.chunk.length, write });
    write.offset = write.chunk.length;
    write.posted = true;
    return 'idle';
  }

  // One rendezvous piece (at most a quarter of the bulk half): staged in bulk with one JS copy, then
  // announced by RNDV; the peer's RNIC moves it with memory.copy.
  #rendezvous(write: QueuedWrite): FlushState {
    let bytes = Math.min(this.#pieceBytes, write.chunk.length - write.offset);
    // Registered buffers may hold part of the half: with nothing in flight to wait for, a
    // smaller piece that fits goes now (it must still exceed an RNDV's first part).
    if (this.#inFlight.size === 0 && !this.#staged) {
      const room = this.#bulk.largestFree();
      if (room > rndvFirstBytes(this.#geometry)) bytes = Math.min(bytes, room);
    }
    let staged = this.#staged;
    if (!staged) {
      const address = this.#bulk.allocate(bytes);
      if (address < 0) return this.#noBulk(write);
      const view = new Uint8Array(this.#memory.buffer, address, bytes);
      view.set(write.chunk.subarray(write.offset, write.offset + bytes));
      staged = { address, bytes };
      this.#staged = staged;
    }
    this.#open = undefined;
    const key = this.#core.sesSendRndv(this.#ses, staged.address, staged.bytes);
    if (key === ERR_AGAIN) return this.#inFlight.size > 0 ? 'bulk' : 'credits';
    if (key === ERR_NOBUFS) return this.#noBulk(write);
    if (key < 0) return this.#fault(key);
    this.#staged = undefined;
    this.#inFlight.set(key, staged);
    write.offset += bytes;
    return 'idle';
  }

  // No room for a registration: wait for a DONE when sends are in flight, else the bulk half
  // can never hold it and the write fails with ENOBUFS (SES-10).
  #noBulk(write: QueuedWrite): FlushState {
    if (this.#inFlight.size > 0) return 'bulk';
    if (this.#staged) {
      this.#bulk.free(this.#staged.address, this.#staged.bytes);
      this.#staged = undefined;
    }
    const err = statusToError(ERR_NOBUFS, { syscall: 'write' });
    const { cb } = write;
    write.offset = write.chunk.length;
    write.cb = () => cb(err);
    return 'idle';
  }
}
