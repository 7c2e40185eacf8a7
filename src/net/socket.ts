// The application's socket: a stream.Duplex shaped like node:net's Socket that runs over a
// Conduit, so that it is the same object whichever provider carries the connection. It exists
// before its conduit while connecting, buffering writes as node:net does.
import type { Conduit, EndpointInfo } from '../types/conduit.js';
import {
  kAttempt,
  kEstablish,
  type ConnectAttempt,
  type FallbackReason,
  type SwitchSocket,
} from '../types/switch-socket.js';
import { cancelledSocket, endedByPeer, socketClosed } from '../errors.js';
import {
  normalizeConnectArgs,
  toConnectRequest,
  validateNonNegative,
  validateSocketOptions,
} from './args.js';
import { connectSocket } from '../switch/connect.js';
import { SocketTimer } from './socket-timer.js';
import { AwaitableDuplex, kCalls, kCloseBuffers, kConduit } from './socket-awaitable.js';

/** Options of `new Socket()`. Timeouts and delays are in milliseconds. */
export interface SocketOptions {
  allowHalfOpen?: boolean;
  timeout?: number;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  signal?: AbortSignal;
  /** How long a cancelled send waits for the peer's RDMA (BLK-5); default 1000 ms. */
  rdmaCancelTimeout?: number;
}

interface PendingWrite {
  chunks: Buffer[];
  cb: (err?: Error | null) => void;
}

type WriteCallback = (err?: Error | null) => void;

/**
 * Bytes a socket buffers for an application that does not read before it stops taking the
 * peer's stream data (its receive window): 1 MiB, within Linux's TCP receive buffer range
 * (tcp_rmem: 128 KiB by default, up to 6 MiB), so that two peers that each send 1 MiB
 * before reading both get through, as they do over TCP loopback.
 */
export const RECEIVE_WINDOW_BYTES = 1 << 20;

/** The switch's side of a Socket: how connect and accept drive it. Internal. */
export { kAttempt, kEstablish };

/**
 * A connected (or connecting) stream socket, API-compatible with node:net's Socket for the
 * stream API. Main thread only.
 */
export class Socket extends AwaitableDuplex implements SwitchSocket {
  /** The provider carrying the connection (`'tcp'`, `'shm'`, `'fabric'`); null until then. */
  transport: string | null = null;
  /** Why a connection that could have used a SAN provider runs over TCP; else null. */
  fallbackReason: FallbackReason | null = null;
  /** True while a connect is in progress. */
  connecting = false;
  /**
   * node:net's link to a wrapping socket's transport, null on a plain socket. Node's TLS and
   * http walk `_parent` from a TLSSocket down to the socket it wraps and stop at null.
   */
  _parent: null = null;
  /**
   * node:net's native handle: this socket never has one (its transport is a conduit), which
   * Node's http and TLS read as "not a native stream" and node:net shows as null once closed.
   */
  _handle: null = null;
  #conduit: Conduit | undefined;
  #conduitClosed = false;
  #attempt: ConnectAttempt | undefined;
  #pending: PendingWrite | undefined;
  #readEnded = false;
  /** resetAndDestroy() is destroying the socket: the conduit is reset, not closed. */
  #resetting = false;
  /**
   * What `timeout` reports: undefined until setTimeout() sets it (0 included), or the app
   * assigns it; node:net's is a plain property, and assigning it leaves the timer alone.
   */
  #timeoutValue: number | undefined;
  #bytesRead = 0;
  #bytesWritten = 0;
  #refed = true;
  #noDelay: boolean | undefined;
  #keepAlive: [boolean, number] | undefined;
  #local: EndpointInfo | undefined;
  #remote: EndpointInfo | undefined;
  #hadError = false;
  readonly #timer = new SocketTimer(() => this.emit('timeout'));

  constructor(options: SocketOptions = {}) {
    validateSocketOptions(options as Record<string, unknown>);
    super({ allowHalfOpen: options.allowHalfOpen ?? false, emitClose: false });
    if (options.noDelay) this.#noDelay = true;
    if (options.keepAlive) this.#keepAlive = [true, options.keepAliveInitialDelay ?? 0];
    if (options.timeout) this.setTimeout(options.timeout);
    if (options.rdmaCancelTimeout !== undefined) this.rdmaCancelTimeout = options.rdmaCancelTimeout;
  }

  /** The conduit the awaitable calls use: the established one, until it closed. */
  protected override [kConduit](): Conduit | undefined {
    return this.#conduitClosed ? undefined : this.#conduit;
  }

  /** Starts connecting: `(options[, cb])` or `(port[, host][, cb])`; `cb` listens `connect`. */
  connect(...args: unknown[]): this {
    const [options, cb] = normalizeConnectArgs(args);
    const request = toConnectRequest(options);
    if (cb) this.once('connect', cb);
    if (this.#conduit && !this.#conduitClosed && !this.destroyed) {
      // CON-7: a connected socket answers a repeated connect() itself, as node:net's does
      // (`connect` again, no second connection); the provider is never asked again.
      process.nextTick(() => {
        this.emit('connect');
        this.emit('ready');
      });
      return this;
    }
    connectSocket(this, request);
    return this;
  }

  /** Switch-internal: a connect attempt started (it is aborted if the socket is destroyed). */
  [kAttempt](attempt: ConnectAttempt | undefined): void {
    this.#attempt = attempt;
    this.connecting = true;
    if (attempt && !this.#refed) attempt.unref();
  }

  /** Switch-internal: the connection is established over `conduit`. */
  [kEstablish](
    conduit: Conduit,
    transport: string,
    reason: FallbackReason | null,
    connected = true,
  ): void {
    this.#attempt = undefined;
    this.#conduit = conduit;
    this.transport = transport;
    this.fallbackReason = reason;
    this.#local = conduit.local;
    this.#remote = conduit.remote;
    conduit.on('data', (chunk: Buffer) => this.#onData(chunk));
    conduit.on('end', () => {
      this.#readEnded = true;
      this.push(null);
      // As node:net: the end is seen whether or not anyone reads (a read(0) emits it once
      // the buffer is empty).
      this.read(0);
    });
    this.on('end', () => this[kCalls].ended());
    conduit.on('error', (err: Error) => this.destroy(err));
    conduit.on('close', () => this.#onConduitClose());
    if (this.#noDelay !== undefined) conduit.setNoDelay(this.#noDelay);
    if (this.#keepAlive) conduit.setKeepAlive(...this.#keepAlive);
    if (!this.#refed) conduit.unref();
    this.connecting = false;
    // node:net reads from connect on: the peer's data, end and close arrive whether or not
    // the application reads, up to the receive window (#onData).
    conduit.resume();
    if (this.#pending) this.#flushPending(this.#pending);
    if (connected) {
      this.emit('connect');
      this.emit('ready');
    }
  }

  override _read(): void {
    this.#conduit?.resume();
  }

  /**
   * As node:net: after the peer's FIN ended a socket without allowHalfOpen, a write fails
   * with EPIPE (and destroys the socket) rather than with a stream error.
   */
  override write(chunk: unknown, cb?: WriteCallback): boolean;
  override write(chunk: unknown, encoding: BufferEncoding, cb?: WriteCallback): boolean;
  override write(chunk: unknown, encoding?: BufferEncoding | WriteCallback, cb?: WriteCallback) {
    if (!this.#readEnded || this.allowHalfOpen || !this.writableEnded) {
      return typeof encoding === 'function'
        ? super.write(chunk, encoding)
        : super.write(chunk, encoding as BufferEncoding, cb);
    }
    const callback = typeof encoding === 'function' ? encoding : cb;
    const err = endedByPeer();
    if (callback) process.nextTick(callback, err);
    this.destroy(err);
    return false;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, cb: PendingWrite['cb']): void {
    this._writev([{ chunk }], cb);
  }

  override _writev(chunks: { chunk: Buffer }[], cb: PendingWrite['cb']): void {
    if (this[kCalls].cancelled) return cb(cancelledSocket('write'));
    const pending = { chunks: chunks.map((c) => c.chunk), cb };
    if (this.#conduit) this.#flushPending(pending);
    else if (this.connecting) this.#pending = pending;
    else cb(socketClosed());
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.connecting) {
      this.once('connect', () => this._final(cb));
      return;
    }
    if (this[kCalls].cancelled) return cb(cancelledSocket('end'));
    if (!this.#conduit || this.#conduitClosed) return cb();
    this.#conduit.end(() => cb());
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.#hadError = err !== null && err !== undefined;
    this.#timer.clear();
    this.connecting = false;
    this.#attempt?.abort();
    this.#attempt = undefined;
    this[kCalls].closeAll(err);
    this[kCloseBuffers]();
    // cb first: the stream emits `error` on the next tick, and `close` must follow it. The
    // conduit closes after it, so that writes it fails find the stream destroyed already.
    cb(err);
    if (!this.#conduit || this.#conduitClosed) {
      process.nextTick(() => this.emit('close', this.#hadError));
    } else if (this.#resetting) this.#conduit.resetAndDestroy();
    else this.#conduit.destroy();
  }

  #flushPending(pending: PendingWrite): void {
    this.#pending = undefined;
    const conduit = this.#conduit as Conduit;
    const calls = this[kCalls];
    // A cancelled send's data is dropped (BLK-4), never a failure of the stream.
    const chunks = pending.chunks.filter((chunk) => !calls.isCancelled(chunk));
    let left = chunks.length;
    let failed = false;
    this.#timer.touch();
    if (left === 0) return pending.cb();
    for (const chunk of chunks) {
      calls.handed(chunk);
      conduit.write(chunk, (error) => {
        calls.done(chunk);
        const err = calls.isCancelled(chunk) ? null : error;
        if (failed) return;
        if (err) {
          failed = true;
          return pending.cb(err);
        }
        this.#bytesWritten += chunk.length;
        this.#timer.touch();
        if (--left === 0) pending.cb();
      });
    }
  }

  #onData(chunk: Buffer): void {
    this.#bytesRead += chunk.length;
    this.#timer.touch();
    // The readable buffer beyond its high-water mark stands for the kernel's receive buffer:
    // the conduit stops taking stream data only past the receive window, so that a peer
    // whose application does not read yet still gets its sends through.
    if (!this.push(chunk) && this.readableLength >= RECEIVE_WINDOW_BYTES) {
      this.#conduit?.pause();
    }
  }

  #onConduitClose(): void {
    this.#conduitClosed = true;
    // An orderly close after the peer's FIN lets the stream end itself once the app has read
    // everything; a close without FIN is an abortive close.
    if (this.destroyed) process.nextTick(() => this.emit('close', this.#hadError));
    else if (!this.#readEnded) this.destroy();
  }

  /** Ends the writable side, then destroys the socket once the data is flushed. */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }

  /** Aborts the connection: the peer sees ECONNRESET (TCP RST). */
  resetAndDestroy(): this {
    this.#resetting = true;
    return this.destroy();
  }

  /** TCP_NODELAY (default true when called without argument). */
  setNoDelay(noDelay = true): this {
    this.#noDelay = noDelay;
    this.#conduit?.setNoDelay(noDelay);
    return this;
  }

  /** SO_KEEPALIVE; `initialDelay` in milliseconds. */
  setKeepAlive(enable = false, initialDelay = 0): this {
    this.#keepAlive = [enable, initialDelay];
    this.#conduit?.setKeepAlive(enable, initialDelay);
    return this;
  }

  /** Emits `timeout` after `ms` milliseconds without activity; 0 disables it. */
  setTimeout(ms: number, cb?: () => void): this {
    validateNonNegative(ms, 'msecs');
    if (cb && ms === 0) this.off('timeout', cb);
    else if (cb) this.once('timeout', cb);
    this.#timer.set(ms);
    this.#timeoutValue = this.#timer.ms;
    return this;
  }

  ref(): this {
    this.#refed = true;
    (this.#conduit ?? this.#attempt)?.ref();
    return this;
  }

  unref(): this {
    this.#refed = false;
    (this.#conduit ?? this.#attempt)?.unref();
    return this;
  }

  /** `{ address, family, port }` of this end, or `{}` before it is connected. */
  address(): EndpointInfo | Record<string, never> {
    return this.#local ? { ...this.#local } : {};
  }

  get remoteAddress(): string | undefined {
    return this.#remote?.address;
  }
  get remotePort(): number | undefined {
    return this.#remote?.port;
  }
  get remoteFamily(): string | undefined {
    return this.#remote?.family;
  }
  get localAddress(): string | undefined {
    return this.#local?.address;
  }
  get localPort(): number | undefined {
    return this.#local?.port;
  }
  get localFamily(): string | undefined {
    return this.#local?.family;
  }
  /** Bytes received. */
  get bytesRead(): number {
    return this.#bytesRead;
  }
  /** Bytes sent, plus those still buffered for sending (as node:net counts). */
  get bytesWritten(): number {
    return this.#bytesWritten + this.writableLength;
  }
  /** True until the connection is established. */
  get pending(): boolean {
    return !this.#conduit || this.connecting;
  }
  /** `'opening'`, `'open'`, `'readOnly'`, `'writeOnly'` or `'closed'`, as node:net says. */
  get readyState(): string {
    if (this.connecting) return 'opening';
    if (this.readable && this.writable) return 'open';
    if (this.readable) return 'readOnly';
    if (this.writable) return 'writeOnly';
    return 'closed';
  }
  /** node:net's legacy name for `connecting`. */
  get _connecting(): boolean {
    return this.connecting;
  }

  /** The idle timeout in milliseconds (0: disabled), or undefined before setTimeout(). */
  get timeout(): number | undefined {
    return this.#timeoutValue;
  }

  set timeout(value: number | undefined) {
    this.#timeoutValue = value;
  }

  /**
   * node:net's deprecated `bufferSize`: bytes written and not yet handed to the transport;
   * undefined on a socket never connected, as node:net's without a handle.
   */
  get bufferSize(): number | undefined {
    return this.connecting || this.#conduit ? this.writableLength : undefined;
  }
}
