// A Conduit over one session segment that is already mapped into this process's WASM
// memory: the shm provider builds one per connection. Negotiates (SES-2/3), moves writes
// into the rings from write() itself when there is room (published at the end of the
// current job, or at process exit), delivers data through the receiver, and runs the rest
// on its pump: spinning for a bounded time while traffic flows, then parking on its doorbell
// (no CPU while idle).
import { EventEmitter } from 'node:events';
import type { Conduit, EndpointInfo } from '../types/conduit.js';
import type { ProcessCore } from '../wasm/process-core.js';
import { ExtentAllocator } from '../wasm/extent-allocator.js';
import {
  SEG_BULK_ALIGN_BYTES,
  SES_FLAG_RDMA_READ,
  SES_ROLE_ACCEPTOR,
  SES_ROLE_CONNECTOR,
} from '../wasm/layout.generated.js';
import { socketClosed, statusToError, systemError } from '../errors.js';
import type { Doorbell } from './doorbell.js';
import { type SessionGeometry } from './geometry.js';
import { SessionSender } from './sender.js';
import { SessionReceiver } from './receiver.js';
import { openSession, type SessionHandle } from './handle.js';
import { Pump, type StepResult } from './pump.js';
import { awaitingPublish, published, type Unpublished } from './exit-publish.js';
import { RegisteredBuffers } from '../buffers/registered-buffers.js';
import type { CancelState } from './sender.js';

const IDLE: StepResult = { progress: false, wait: 'none', held: false };

/** How to build a SessionConduit. */
export interface SessionConduitOptions {
  /** The process's memory, core and allocators. */
  core: ProcessCore;
  /** Absolute address of the mapped segment (formatted by its creator). */
  segment: number;
  /** The geometry both ends agreed on; the segment's header is checked against it. */
  geometry: SessionGeometry;
  role: 'connector' | 'acceptor';
  /** Wakes the peer (see Doorbell). */
  doorbell: Doorbell;
  /** Offer RDMA read to the peer (SES-9a); default true. False makes it use SES-9b. */
  rdmaRead?: boolean;
  /** Sends above this many bytes go by rendezvous (SES-12); default: one slot's payload. */
  threshold?: number;
  /** How long the receive path keeps polling after the last traffic, in ms; default 0.2. */
  spinMs?: number;
  local?: EndpointInfo;
  remote?: EndpointInfo;
  /** Runs once as the conduit closes, before `close`: the provider releases what it owns. */
  onClose?: () => void;
  /**
   * Whether the peer's hang-up (peerGone) stands for its FIN when it had read everything:
   * true (the default) where a hang-up means its process closed or died, as a kernel would
   * then send FIN; false where the connection itself can break (a network), so that a
   * stream cut before the peer's FIN fails with ECONNRESET instead of ending short.
   */
  hangUpEnds?: boolean;
}

/**
 * A Conduit over a session segment. Emits, besides the Conduit events, `negotiated` once
 * both NEGOTIATE messages crossed (the provider completes connect then, CON-6). Main thread
 * only; call `wake()` whenever this side's doorbell rings.
 */
export class SessionConduit extends EventEmitter implements Conduit, Unpublished {
  readonly local: EndpointInfo | undefined;
  readonly remote: EndpointInfo | undefined;
  readonly #handle: SessionHandle;
  readonly #doorbell: Doorbell;
  readonly #sender: SessionSender;
  readonly #receiver: SessionReceiver;
  readonly #pump: Pump;
  readonly #role: number;
  /** Memory registered on this connection: Buffers over this side's bulk half (MEM-2). */
  readonly buffers: RegisteredBuffers;
  #paused = true;
  #negotiated = false;
  #closed = false;
  #ended = false;
  #peerGone = false;
  #publishQueued = false;
  readonly #isPaused = (): boolean => this.#paused;
  readonly #onClose: (() => void) | undefined;
  readonly #hangUpEnds: boolean;

  constructor(options: SessionConduitOptions) {
    super();
    this.local = options.local;
    this.remote = options.remote;
    this.#doorbell = options.doorbell;
    this.#onClose = options.onClose;
    this.#hangUpEnds = options.hangUpEnds ?? true;
    this.#role = options.role === 'connector' ? SES_ROLE_CONNECTOR : SES_ROLE_ACCEPTOR;
    const flags = options.rdmaRead === false ? 0 : SES_FLAG_RDMA_READ;
    this.#handle = openSession(options.core, options.segment, options.geometry, this.#role, flags);
    const { core, ses, memory, ownHalf } = this.#handle;
    this.#doorbell.attach?.(ses);
    const { halfBytes } = options.geometry;
    const bulk = new ExtentAllocator(ownHalf, ownHalf + halfBytes, SEG_BULK_ALIGN_BYTES);
    this.#sender = new SessionSender(core, ses, memory, options.geometry, bulk);
    if (options.threshold !== undefined) this.setThreshold(options.threshold);
    this.#receiver = new SessionReceiver({
      core,
      ses,
      memory,
      control: this.#sender,
      bulk,
      deliver: (chunk) => this.emit('data', chunk),
      publish: () => this.#ring(this.#sender.publish()),
      closed: () => this.#closed,
      fetch: this.#doorbell.fetch?.bind(this.#doorbell),
      wake: () => this.wake(),
    });
    this.#pump = new Pump(
      core,
      ses,
      options.spinMs ?? 0.2,
      () => this.#step(),
      (err) => this.#onFault(err),
    );
    this.buffers = new RegisteredBuffers({
      allocate: (bytes) => {
        const address = bytes > 0 ? bulk.allocate(bytes) : -1;
        return address < 0 ? undefined : Buffer.from(memory.buffer, address, bytes);
      },
      free: (buffer) => bulk.free(buffer.byteOffset, buffer.length),
    });
    // Both sides negotiate at once: the acceptor formats the segment and writes its NEGOTIATE
    // before the connector maps it (SES-3: its receives are posted by then), so the connector
    // is negotiated on its first step.
    this.#negotiate();
    this.#pump.kick();
  }

  /** Sends above `bytes` use the rendezvous path (SES-12); at least 0. */
  setThreshold(bytes: number): void {
    this.#sender.threshold = Math.max(0, Math.floor(bytes));
  }

  /** The doorbell of this side rang: resume the receive path. Safe to call any time. */
  wake(): void {
    if (!this.#closed) this.#pump.wake();
  }

  /**
   * The peer's process is gone (its liveness channel hung up). What it published before is
   * still delivered, as the application reads it (CLS-5); then the stream ends as a kernel
   * ends a dead process's connection: with `end` when the peer had read everything this side
   * sent (its FIN, or the hang-up standing for it), with ECONNRESET otherwise, and a write
   * that waits for credits the peer will never return fails with ECONNRESET.
   */
  peerGone(): void {
    this.#peerGone = true;
    this.wake();
  }

  write(chunk: Buffer, cb: (err?: Error | null) => void): void {
    if (this.#closed) {
      queueMicrotask(() => cb(socketClosed()));
      return;
    }
    if (chunk.length === 0) {
      queueMicrotask(() => cb(null));
      return;
    }
    // Registered memory goes out by the peer's RDMA, with no staging copy. The socket keeps
    // it in use (deregister refuses, MEM-6) from its write() until this callback.
    this.#sender.enqueue(chunk, cb, this.buffers.lookup(chunk) !== undefined);
    this.#sendNow();
  }

  /**
   * Cancels the earlier write of `chunk` (BLK-4/5). `dropped`: nothing more of it will be
   * read and its callback runs with `err`; `rdma`: the peer's RDMA of the registered chunk is
   * outstanding and the callback runs when it ends (or on reset); `none`: not queued here.
   */
  cancelWrite(chunk: Buffer, err: Error): CancelState {
    if (this.#closed) return 'none';
    const { state, cb } = this.#sender.cancel(chunk);
    if (cb) queueMicrotask(() => cb(err));
    if (state === 'dropped') this.#pump.kick();
    return state;
  }

  /** See Conduit.postReceive. */
  postReceive(target: Buffer | undefined): void {
    this.#receiver.post(this.#closed ? undefined : target);
  }

  end(cb: () => void): void {
    if (this.#closed) return;
    this.#sender.enqueueFin(cb);
    this.#sendNow();
  }

  destroy(): void {
    if (this.#closed) return;
    // Stream bytes this side never took out of its ring make the close abortive, as a
    // kernel's close() with unread data sends RST.
    if (this.#receiver.hasStream(true)) return this.resetAndDestroy();
    // An orderly close: FIN when a credit is free (else the hang-up stands for it), and what
    // the peer has yet to pull by RDMA stays readable in the segment it maps.
    this.#handle.core.sesSendFin(this.#handle.ses);
    this.#ring(this.#sender.publish());
    this.#close(null, false);
  }

  /**
   * Fails the connection with `err` (emitted as `error`) and resets it: what a provider does
   * when the connection's other channels break (a message on the liveness channel).
   */
  abort(err: Error): void {
    if (!this.#closed) this.#fail(err, true);
  }

  resetAndDestroy(): void {
    if (this.#closed) return;
    this.#handle.core.sesReset(this.#handle.ses);
    this.#doorbell.ring();
    this.#close(null, true);
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#pump.kick();
  }

  setNoDelay(): void {}

  setKeepAlive(): void {}

  ref(): void {
    this.#pump.ref();
  }

  unref(): void {
    this.#pump.unref();
  }

  /**
   * See Unpublished: the process exits. What write() accepted goes into the rings as far as
   * credits allow (negotiating first when the peer's NEGOTIATE is already there) and is
   * published, with the peer rung: it is then in the segment the peer maps.
   */
  publishNow(): void {
    this.#unqueuePublish();
    if (this.#closed) return;
    this.#tryNegotiate();
    if (this.#negotiated && this.#sender.flush() === 'fault') return;
    this.#ring(this.#sender.publish());
  }

  // The end of the job that wrote: one cursor store for all its writes.
  #publishQueuedWrites(): void {
    if (!this.#unqueuePublish() || this.#closed) return;
    this.#ring(this.#sender.publish());
  }

  // Drops the queued publication (its microtask then finds nothing); true when one was queued.
  #unqueuePublish(): boolean {
    if (!this.#publishQueued) return false;
    this.#publishQueued = false;
    published(this);
    return true;
  }

  // Takes the peer's NEGOTIATE if it already sits in the ring, so that a write made before
  // the pump's first step goes into the ring at once too.
  #tryNegotiate(): void {
    if (this.#negotiated || this.#closed || !this.#receiver.takeNegotiate()) return;
    this.#ring(this.#handle.core.sesRelease(this.#handle.ses));
    this.#onNegotiated();
  }

  #negotiate(): void {
    this.#handle.core.sesNegotiate(this.#handle.ses, this.#sender.threshold);
    this.#ring(this.#sender.publish());
  }

  #ring(status: number): void {
    this.#doorbell.sync?.();
    if (status === 1) this.#doorbell.ring();
  }

  // Moves what the queue holds into the rings now, as far as credits allow (node:net writes
  // to the kernel from write() too), completes what left the application's hands, and lets
  // the pump run: it publishes, waits for credits and catches the reply while spinning.
  #sendNow(): void {
    this.#tryNegotiate();
    if (this.#negotiated) {
      const state = this.#sender.flush();
      // Reset from a microtask: write() and end() never re-enter the stream's destroy.
      if (state === 'fault') return queueMicrotask(() => this.#faulted());
      this.#complete();
    }
    // Before negotiation the writes wait in the queue; at exit they still get their chance.
    this.#queuePublish();
    this.#pump.kick();
  }

  // Published at the end of the current job (one cursor store for a burst of writes), or at
  // process exit if that comes first.
  #queuePublish(): void {
    if (this.#publishQueued) return;
    this.#publishQueued = true;
    awaitingPublish(this);
    queueMicrotask(() => this.#publishQueuedWrites());
  }

  #complete(): number {
    const completed = this.#sender.takeCompleted();
    for (const cb of completed) cb(null);
    return completed.length;
  }

  // One pass of the pump: receive, then send.
  #step(): StepResult {
    const { core, ses } = this.#handle;
    this.#doorbell.poll?.();
    if (this.#closed) return IDLE;
    const drained = this.#receiver.drain(64, this.#isPaused);
    if (this.#closed) return IDLE;
    if (drained.messages > 0) this.#ring(core.sesRelease(ses));
    if (drained.status < 0) {
      this.#fail(statusToError(drained.status, { syscall: 'read' }), true);
      return IDLE;
    }
    if (drained.reset) {
      this.#fail(systemError('ECONNRESET', { syscall: 'read' }), false);
      return IDLE;
    }
    if (drained.negotiated) this.#onNegotiated();
    if (drained.fin) this.#onEnd();
    if (this.#closed) return IDLE;
    const state = this.#negotiated ? this.#sender.flush() : 'idle';
    if (state === 'fault') {
      this.#faulted();
      return IDLE;
    }
    this.#ring(this.#sender.publish());
    const completed = this.#complete();
    if (
      this.#closed ||
      (this.#peerGone && this.#settleGone(drained.messages, drained.held, state))
    ) {
      return IDLE;
    }
    return {
      progress: drained.messages > 0 || completed > 0,
      wait: state === 'credits' ? 'data' : state === 'control' ? 'control' : 'none',
      held: drained.held,
    };
  }

  // The peer's process is gone: once everything it published is delivered, its hang-up ends
  // the stream (see peerGone). What this side sent and the peer never read (messages left in
  // the ring, RNDVs it never pulled, writes still queued) resets it instead, as a closed TCP
  // socket answers data with RST. True when the conduit closed.
  #settleGone(messages: number, held: boolean, state: string): boolean {
    if (messages > 0 || held) return false;
    const { core, ses } = this.#handle;
    const unread = core.sesPeerConsumedAll(ses) !== 1 || this.#sender.rdmaPending;
    if (!unread && !this.#ended && this.#hangUpEnds) {
      this.#onEnd();
      if (this.#closed) return true;
    }
    if (!unread && state === 'idle' && this.#ended) return false;
    this.#fail(systemError('ECONNRESET', { syscall: this.#ended ? 'write' : 'read' }), false);
    return true;
  }

  #onNegotiated(): void {
    this.#negotiated = true;
    this.emit('negotiated');
  }

  #onEnd(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.emit('end');
  }

  // The sender met a status that only a hostile or broken peer causes (EPROTO): reset.
  #faulted(): void {
    if (this.#closed) return;
    this.#fail(statusToError(this.#sender.faultStatus, { syscall: 'write' }), true);
  }

  // A step threw. None of ours does (every status is handled where it is returned), so this
  // is an exception from an application's listener: this connection is reset, so that its
  // state stays consistent, and the exception goes on to the event loop as node:net's would.
  #onFault(err: unknown): void {
    if (!this.#closed) this.#fail(systemError('ECONNRESET', { syscall: 'read' }), true);
    process.nextTick(() => {
      throw err;
    });
  }

  #fail(err: Error, reset: boolean): void {
    if (reset) {
      this.#handle.core.sesReset(this.#handle.ses);
      this.#doorbell.ring();
    }
    this.emit('error', err);
    this.#close(err, true);
  }

  // Releases everything; `abortive` also withdraws what the peer had yet to read (MEM-3).
  #close(err: Error | null, abortive: boolean): void {
    this.#closed = true;
    this.#pump.stop();
    this.#unqueuePublish();
    const callbacks = this.#sender.abort(() => err ?? socketClosed(), abortive);
    // A transport still sending this side's last publications frees the session after them.
    const release = (): void => this.#handle.close(abortive);
    if (this.#doorbell.close) this.#doorbell.close(release, abortive);
    else release();
    this.buffers.close();
    this.#onClose?.();
    for (const cb of callbacks) cb();
    process.nextTick(() => this.emit('close'));
  }
}
