// The receiving half of a session conduit: drains the receive rings through sesPoll, copies
// stream bytes out of slots, the peer's published bulk and write targets into Buffers (or
// straight into a receive buffer the application posted), and reports what the conduit must
// act on. While the stream is held (the application paused, DONEs wait for room, or the
// doorbell still pulls a read-based send's rest) it still drains the control ring, so the
// peer's DONEs and TARGETs always arrive. Main thread only.
import type { CoreExports } from '../wasm/core.js';
import {
  ERR_AGAIN,
  SES_EV_NEGOTIATED,
  SES_EV_DATA,
  SES_EV_RNDV_READ,
  SES_EV_RNDV_WRITE,
  SES_EV_WRITE_DONE,
  SES_EV_SEND_DONE,
  SES_EV_TARGET,
  SES_EV_FIN,
  SES_EV_RST,
  SES_MSG_DATA,
  SES_MSG_RNDV,
  SES_MSG_FIN,
  SES_MSG_NEGOTIATE,
} from '../wasm/layout.generated.js';
import type { ExtentAllocator } from '../wasm/extent-allocator.js';

/** What the receiver owes the peer and tells the sending half: DONEs, and finished sends. */
export interface ControlChannel {
  /** Sends DONE now (true: written, the caller publishes) or queues it for the next flush. */
  sendDone(key: number, length: number): boolean;
  /** A send of this side finished: the peer's DONE (read-based) or TARGET (write-based). */
  release(key: number): void;
  /** Whether DONEs wait for room in the control ring (RNDVs are then held back). */
  readonly controlsPending: boolean;
}

/** What one drain found, beyond the data it delivered. */
export interface DrainResult {
  /** Messages consumed. */
  messages: number;
  /** The peer's NEGOTIATE arrived. */
  negotiated: boolean;
  fin: boolean;
  reset: boolean;
  /** A negative status from sesPoll (ERR_PROTO): the connection must be reset. */
  status: number;
  /** Paused with stream data at the front of the ring. */
  held: boolean;
}

/** A write-based receive waiting for its TARGET to be sent, then for DONE. */
interface WriteReceive {
  buffer: Buffer;
  first: number;
  target: number;
  bytes: number;
}

/**
 * A read-based receive whose rest the doorbell pulls from the peer's copy of the segment
 * (Doorbell.fetch); the first part is already in `buffer`.
 */
interface PullReceive {
  buffer: Buffer;
  first: number;
  source: number;
  key: number;
  state: 'pulling' | 'landed' | 'failed';
}

/** What a SessionReceiver works with. */
export interface ReceiverOptions {
  core: CoreExports;
  ses: number;
  memory: WebAssembly.Memory;
  /** Where DONEs go and finished sends are reported (the sending half). */
  control: ControlChannel;
  /** This side's bulk half: write-based receive targets come from it. */
  bulk: ExtentAllocator;
  /** Hands a chunk of stream bytes to the application (it may close the conduit). */
  deliver: (chunk: Buffer) => void;
  /** Publishes what was written into the rings (a DONE, so that the peer goes on at once). */
  publish: () => void;
  /** Whether the conduit closed meanwhile: the drain stops touching the session at once. */
  closed: () => boolean;
  /**
   * Brings a read-based send's rest into this side's segment (Doorbell.fetch); absent when
   * the peer's bulk half is mapped here already.
   */
  fetch?: (address: number, length: number, done: (landed: boolean) => void) => void;
  /** Runs the pump again (a pull landed). */
  wake: () => void;
}

/** The receiving half of one session. Main thread only. */
export class SessionReceiver {
  readonly #core: CoreExports;
  readonly #ses: number;
  readonly #memory: WebAssembly.Memory;
  readonly #control: ControlChannel;
  readonly #bulk: ExtentAllocator;
  readonly #deliver: (chunk: Buffer) => void;
  readonly #publish: () => void;
  readonly #closed: () => boolean;
  readonly #fetch: ReceiverOptions['fetch'];
  readonly #wake: () => void;
  #write: WriteReceive | undefined;
  #pull: PullReceive | undefined;
  /** Where stream bytes land first (post()), and how much of it this drain has filled. */
  #posted: Buffer | undefined;
  #landed = 0;

  constructor(options: ReceiverOptions) {
    this.#core = options.core;
    this.#ses = options.ses;
    this.#memory = options.memory;
    this.#control = options.control;
    this.#bulk = options.bulk;
    this.#deliver = options.deliver;
    this.#publish = options.publish;
    this.#closed = options.closed;
    this.#fetch = options.fetch;
    this.#wake = options.wake;
  }

  /**
   * Consumes up to `budget` messages; while `paused()` (asked before each message: a chunk
   * delivered may pause the application) it stops before the first stream message (DATA,
   * RNDV, FIN) and consumes only control messages. The caller releases the consumed slots
   * (and rings the peer when sesRelease says so).
   */
  drain(budget: number, paused: () => boolean): DrainResult {
    const result: DrainResult = {
      messages: 0,
      negotiated: false,
      fin: false,
      reset: false,
      status: 0,
      held: false,
    };
    if (!this.#sendTarget() || !this.#finishPull(result)) return result;
    while (result.messages < budget) {
      // A stream message waits while paused, while DONEs it would add find no room, and
      // behind a pull (whatever is at the front then, so nothing overtakes it).
      const hold =
        this.#pull !== undefined ||
        ((paused() || this.#control.controlsPending) && this.hasStream());
      const event = hold ? this.#core.sesPollControl(this.#ses) : this.#core.sesPoll(this.#ses);
      if (event === ERR_AGAIN) {
        result.held = hold;
        break;
      }
      result.messages += 1;
      if (event < 0) {
        result.status = event;
        break;
      }
      if (event === SES_EV_RST) {
        result.reset = true;
        break;
      }
      this.#handle(event, result);
      if (result.fin || this.#closed()) break;
    }
    this.#flushLanded();
    return result;
  }

  /**
   * Consumes the peer's NEGOTIATE now if it is at the front of the data ring (and nothing
   * else): what a write() made before the pump ran needs to go out at once. True when it
   * did; the caller releases the slot. A refused NEGOTIATE is left for sesPoll to report.
   */
  takeNegotiate(): boolean {
    const ring = this.#core.sesRxRing(this.#ses);
    if (this.#core.ringFront(ring) < 0) return false;
    if (this.#core.msgPeekType(ring) !== SES_MSG_NEGOTIATE) return false;
    return this.#core.sesPoll(this.#ses) === SES_EV_NEGOTIATED;
  }

  /**
   * Whether a stream message (DATA, RNDV, or with `dataOnly` false FIN too) is at the front
   * of the data ring: what a paused drain holds, and (data only) what a close finds unread.
   * An impossible cursor reads as none; the next sesPoll reports it.
   */
  hasStream(dataOnly = false): boolean {
    if (this.#pull) return true;
    const ring = this.#core.sesRxRing(this.#ses);
    if (this.#core.ringFront(ring) < 0) return false;
    const type = this.#core.msgPeekType(ring);
    if (type === SES_MSG_DATA || type === SES_MSG_RNDV) return true;
    return !dataOnly && type === SES_MSG_FIN;
  }

  /**
   * Stream bytes (DATA, read-based RNDV) are copied into `target` from its start, as much as
   * it holds, and delivered as one view of it at the end of the drain: a large transfer lands
   * in the application's buffer with one copy. What it cannot hold follows as its own chunk.
   * Used by one drain; undefined withdraws it.
   */
  post(target: Buffer | undefined): void {
    if (this.#landed === 0) this.#posted = target;
  }

  // Copies a message's `total` stream bytes, `first` of them at `address` and the rest at
  // `rest`, into the posted buffer where it has room, else into a new Buffer that the caller
  // delivers at once (after what landed, to keep the order).
  #land(address: number, first: number, rest: number, total: number): Buffer | undefined {
    const room = this.#posted ? this.#posted.length - this.#landed : 0;
    const held = Math.min(total, room);
    const spill = total > held ? Buffer.allocUnsafe(total - held) : undefined;
    this.#place(address, first, 0, held, spill);
    this.#place(rest, total - first, first, held, spill);
    this.#landed += held;
    return spill;
  }

  // Copies `length` bytes at `source`, stream positions [at, at + length) of a message whose
  // first `held` bytes go to the posted buffer and the rest to `spill`.
  #place(source: number, length: number, at: number, held: number, spill?: Buffer): void {
    const split = Math.min(Math.max(held - at, 0), length);
    if (split > 0) this.#copy(source, split, this.#posted, this.#landed + at);
    if (length > split) this.#copy(source + split, length - split, spill, at + split - held);
  }

  // Hands over what landed in the posted buffer as one view of it (the post is used up).
  #flushLanded(): void {
    const target = this.#posted;
    const landed = this.#landed;
    if (!target || landed === 0) return;
    this.#posted = undefined;
    this.#landed = 0;
    this.#deliver(target.subarray(0, landed));
  }

  // Delivers a chunk that did not land, after those that did. The post is used up even when
  // nothing landed in it: the chunk goes to the receive it was posted for, and bytes landing
  // there afterwards would overwrite what that receive returns.
  #deliverSpill(chunk: Buffer | undefined): void {
    if (!chunk) return;
    this.#flushLanded();
    this.#posted = undefined;
    this.#deliver(chunk);
  }

  #copy(address: number, length: number, into?: Buffer, at = 0): Buffer {
    const source = new Uint8Array(this.#memory.buffer, address, length);
    const target = into ?? Buffer.allocUnsafe(length);
    target.set(source, at);
    return target;
  }

  #handle(event: number, result: DrainResult): void {
    const core = this.#core;
    const ses = this.#ses;
    const address = core.sesEvAddr(ses);
    const length = core.sesEvLength(ses);
    switch (event) {
      case SES_EV_NEGOTIATED:
        result.negotiated = true;
        break;
      case SES_EV_DATA:
        this.#deliverSpill(this.#land(address, length, 0, length));
        break;
      case SES_EV_RNDV_READ: {
        const total = core.sesEvTotal(ses);
        if (this.#fetch) {
          this.#startPull(address, length, core.sesEvSource(ses), total, core.sesEvKey(ses));
          break;
        }
        // One copy, straight from the peer's registered bytes; DONE lets it reuse them.
        const spill = this.#land(address, length, core.sesEvSource(ses), total);
        if (this.#control.sendDone(core.sesEvKey(ses), total - length)) this.#publish();
        this.#deliverSpill(spill);
        break;
      }
      case SES_EV_RNDV_WRITE: {
        const total = core.sesEvTotal(ses);
        const buffer = this.#copy(address, length, Buffer.allocUnsafe(total));
        this.#write = { buffer, first: length, target: -1, bytes: total - length };
        this.#sendTarget();
        break;
      }
      case SES_EV_WRITE_DONE:
        this.#finishWrite(address, length);
        break;
      case SES_EV_SEND_DONE:
        this.#control.release(core.sesEvKey(ses));
        break;
      case SES_EV_TARGET:
        this.#control.release(core.sesEvTotal(ses));
        if (this.#control.sendDone(core.sesEvKey(ses), length)) this.#publish();
        break;
      case SES_EV_FIN:
        result.fin = true;
        break;
    }
  }

  // Allocates and announces the target of a write-based receive; false while it must wait
  // for bulk space or a credit (stream order: nothing after the RNDV may be delivered first).
  #sendTarget(): boolean {
    const write = this.#write;
    if (!write || write.target >= 0) return true;
    const target = this.#bulk.allocate(write.bytes);
    if (target < 0) return false;
    const key = this.#core.sesSendTarget(this.#ses, target, write.bytes);
    if (key < 0) {
      this.#bulk.free(target, write.bytes);
      return false;
    }
    write.target = target;
    return true;
  }

  // Keeps the first part (its slot is released after this drain) and asks the doorbell for
  // the rest; the stream waits until it landed.
  #startPull(address: number, first: number, source: number, total: number, key: number): void {
    const buffer = this.#copy(address, first, Buffer.allocUnsafe(total));
    const pull: PullReceive = { buffer, first, source, key, state: 'pulling' };
    this.#pull = pull;
    this.#fetch?.(source, total - first, (landed) => {
      pull.state = landed ? 'landed' : 'failed';
      this.#wake();
    });
  }

  // A pull that landed is copied out, DONE lets the peer reuse its bytes, and the whole send
  // is delivered; one that failed resets the connection. False when the drain must stop.
  #finishPull(result: DrainResult): boolean {
    const pull = this.#pull;
    if (!pull || pull.state === 'pulling') return true;
    this.#pull = undefined;
    if (pull.state === 'failed') {
      result.reset = true;
      return false;
    }
    const rest = pull.buffer.length - pull.first;
    this.#copy(pull.source, rest, pull.buffer, pull.first);
    if (this.#control.sendDone(pull.key, rest)) this.#publish();
    result.messages += 1;
    this.#deliverSpill(pull.buffer);
    return !this.#closed();
  }

  #finishWrite(address: number, length: number): void {
    const write = this.#write;
    if (!write) return;
    this.#write = undefined;
    this.#copy(address, length, write.buffer, write.first);
    this.#bulk.free(write.target, write.bytes);
    this.#deliverSpill(write.buffer);
  }
}
