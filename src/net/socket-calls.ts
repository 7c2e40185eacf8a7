// The awaitable calls of a Socket, send() and recv(), and their cancellation (BLK-3..6): a
// cancelled send drops the data the switch still holds, waits for an outstanding RDMA out of
// the application's registered memory up to rdmaCancelTimeout and then resets the connection;
// after any cancellation only destroy() is guaranteed (every other call fails).
import type { Duplex } from 'node:stream';
import type { Conduit } from '../types/conduit.js';
import {
  abortError,
  cancelledSocket,
  invalidArgType,
  outOfRange,
  socketClosed,
} from '../errors.js';

/** Default of `rdmaCancelTimeout`: how long a cancelled send waits for the peer's RDMA, ms. */
export const RDMA_CANCEL_TIMEOUT_MS = 1000;

/** Options of `socket.send()`. */
export interface SendOptions {
  /** Cancels the send (BLK-4/5); it then rejects with an AbortError. */
  signal?: AbortSignal;
  /** Cancels the send as `signal` would after this many milliseconds (> 0). */
  timeout?: number;
}

/** Options of `socket.recv()`. */
export interface RecvOptions {
  /** Cancels the receive; it then rejects with an AbortError. */
  signal?: AbortSignal;
}

/** What the calls need of their socket. */
export interface CallHost {
  readonly stream: Duplex;
  /** The established conduit, if any. */
  conduit(): Conduit | undefined;
  /** Milliseconds a cancelled send waits for an outstanding RDMA (BLK-5). */
  rdmaCancelTimeout(): number;
}

interface Call<T> {
  settled: boolean;
  settle(err: Error | null, value?: T): void;
}

interface Send extends Call<number> {
  chunk: Buffer;
  timer?: NodeJS.Timeout;
}

interface Recv extends Call<Buffer | null> {
  target: Buffer | undefined;
  size: number;
}

function call<T>(resolve: (v: T) => void, reject: (e: Error) => void, done: () => void): Call<T> {
  const c: Call<T> = {
    settled: false,
    settle(err, value) {
      if (c.settled) return;
      c.settled = true;
      done();
      if (err) reject(err);
      else resolve(value as T);
    },
  };
  return c;
}

/** One socket's send()/recv() calls. Main thread only. */
export class SocketCalls {
  readonly #host: CallHost;
  readonly #sends = new Set<Send>();
  readonly #recvs: Recv[] = [];
  /** Chunks of cancelled sends: never handed to the conduit, their callbacks never fail it. */
  readonly #cancelledChunks = new WeakSet<Buffer>();
  /** Chunks the conduit holds (written, callback not yet run). */
  readonly #handed = new WeakSet<Buffer>();
  #cancelled = false;
  #reading = false;

  constructor(host: CallHost) {
    this.#host = host;
  }

  /** True once a call was cancelled (BLK-6): only destroy() is guaranteed from then on. */
  get cancelled(): boolean {
    return this.#cancelled;
  }

  /** Whether `chunk` belongs to a cancelled send (its data is dropped, not failed). */
  isCancelled(chunk: Buffer): boolean {
    return this.#cancelledChunks.has(chunk);
  }

  /** The socket hands `chunk` to its conduit; `done()` when its callback ran. */
  handed(chunk: Buffer): void {
    this.#handed.add(chunk);
  }

  done(chunk: Buffer): void {
    this.#handed.delete(chunk);
  }

  /** See Socket.send. */
  send(data: unknown, options: SendOptions = {}): Promise<number> {
    const chunk = toBuffer(data);
    const signal = sendSignal(options);
    const stream = this.#host.stream;
    if (this.#cancelled) return Promise.reject(cancelledSocket('send'));
    if (stream.destroyed || !stream.writable) return Promise.reject(socketClosed());
    if (signal?.aborted) return Promise.reject(abortError(signal.reason));
    return new Promise<number>((resolve, reject) => {
      const onAbort = (): void => this.#cancelSend(send, abortError(signal?.reason));
      const send: Send = Object.assign(
        call<number>(resolve, reject, () => {
          this.#sends.delete(send);
          clearTimeout(send.timer);
          signal?.removeEventListener('abort', onAbort);
        }),
        { chunk },
      );
      this.#sends.add(send);
      signal?.addEventListener('abort', onAbort, { once: true });
      stream.write(chunk, (err?: Error | null) => send.settle(err ?? null, chunk.length));
    });
  }

  /** See Socket.recv. */
  recv(target: unknown, options: RecvOptions = {}): Promise<Buffer | null> {
    const [buffer, size] = recvTarget(target);
    const signal = options.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw invalidArgType('options.signal', 'an instance of AbortSignal', signal);
    }
    if (this.#cancelled) return Promise.reject(cancelledSocket('recv'));
    if (this.#host.stream.destroyed) return Promise.reject(socketClosed());
    if (signal?.aborted) return Promise.reject(abortError(signal.reason));
    return new Promise<Buffer | null>((resolve, reject) => {
      const onAbort = (): void => {
        this.#recvs.splice(this.#recvs.indexOf(recv), 1);
        this.#cancel(recv, abortError(signal?.reason));
        this.#serve();
      };
      const recv: Recv = Object.assign(
        call<Buffer | null>(resolve, reject, () => signal?.removeEventListener('abort', onAbort)),
        { target: buffer, size },
      );
      this.#recvs.push(recv);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#serve();
    });
  }

  /**
   * The socket is destroyed: every pending call completes once, with `err` when the
   * connection failed (ECONNRESET from a peer's reset), else with an AbortError (CLS-3).
   */
  closeAll(err: Error | null): void {
    // Built only for calls that wait: every close comes through here, most with none.
    if (this.#sends.size > 0 || this.#recvs.length > 0) {
      const reason = err ?? abortError(socketClosed());
      for (const send of [...this.#sends]) send.settle(reason);
      for (const recv of this.#recvs.splice(0)) recv.settle(reason);
    }
    this.#serve();
  }

  /** The readable side ended: pending receives resolve with null (end of stream). */
  ended(): void {
    for (const recv of this.#recvs.splice(0)) recv.settle(null, null);
    this.#serve();
  }

  #cancel(c: Call<unknown>, err: Error): void {
    this.#cancelled = true;
    c.settle(err);
  }

  // BLK-4: drop what the switch holds. BLK-5: wait for the RDMA out of registered memory,
  // up to rdmaCancelTimeout, then reset. A conduit that cannot drop data (TCP) is reset.
  #cancelSend(send: Send, err: Error): void {
    if (send.settled) return;
    const conduit = this.#host.conduit();
    this.#cancelledChunks.add(send.chunk);
    const state = conduit?.cancelWrite?.(send.chunk, err) ?? 'none';
    if (state === 'rdma' && conduit) {
      // The send still completes normally if the RDMA ends in time (the cancel came too late).
      send.timer = setTimeout(() => {
        this.#cancel(send, err);
        conduit.resetAndDestroy();
      }, this.#host.rdmaCancelTimeout());
      return;
    }
    const held =
      state === 'none' && conduit && !conduit.cancelWrite && this.#handed.has(send.chunk);
    this.#cancel(send, err);
    if (held) conduit.resetAndDestroy();
  }

  // Serves receives in order from the readable side; listens for `readable` only while one
  // waits, so that a socket read by `data` events resumes flowing afterwards.
  #serve(): void {
    const stream = this.#host.stream;
    while (this.#recvs.length > 0) {
      if (stream.readableEnded) return this.ended();
      const chunk = stream.read() as Buffer | null;
      if (chunk === null) break;
      const recv = this.#recvs.shift() as Recv;
      const n = Math.min(chunk.length, recv.size);
      if (n < chunk.length) stream.unshift(chunk.subarray(n));
      if (!recv.target) recv.settle(null, chunk.subarray(0, n));
      else {
        // Bytes that landed in the posted buffer itself are already in place.
        if (!landedIn(chunk, recv.target)) chunk.copy(recv.target, 0, 0, n);
        recv.settle(null, recv.target.subarray(0, n));
      }
    }
    // With nothing buffered, the oldest waiting receive's buffer is where the next bytes may
    // land (a SAN conduit copies them there directly); undefined withdraws it.
    this.#host.conduit()?.postReceive?.(this.#recvs[0]?.target);
    const wait = this.#recvs.length > 0;
    if (wait === this.#reading) return;
    this.#reading = wait;
    if (wait) stream.on('readable', this.#onReadable);
    else stream.off('readable', this.#onReadable);
  }

  readonly #onReadable = (): void => this.#serve();
}

function landedIn(chunk: Buffer, target: Buffer): boolean {
  return chunk.buffer === target.buffer && chunk.byteOffset === target.byteOffset;
}

function toBuffer(data: unknown): Buffer {
  if (typeof data === 'string') return Buffer.from(data);
  if (Buffer.isBuffer(data)) return data;
  // A view, not a copy: registered memory keeps its identity.
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.length);
  throw invalidArgType('data', 'of type string or an instance of Buffer or Uint8Array', data);
}

function sendSignal(options: SendOptions): AbortSignal | undefined {
  const { signal, timeout } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw invalidArgType('options.signal', 'an instance of AbortSignal', signal);
  }
  if (timeout === undefined) return signal;
  if (typeof timeout !== 'number' || !(timeout > 0) || !Number.isFinite(timeout)) {
    throw outOfRange('options.timeout', '> 0 and finite', timeout);
  }
  const timed = AbortSignal.timeout(timeout);
  return signal ? AbortSignal.any([signal, timed]) : timed;
}

function recvTarget(target: unknown): [Buffer | undefined, number] {
  if (typeof target === 'number') {
    if (!Number.isInteger(target) || target <= 0) {
      throw outOfRange('size', 'an integer > 0', target);
    }
    return [undefined, target];
  }
  if (target instanceof Uint8Array && target.length > 0) {
    const buffer = Buffer.from(target.buffer, target.byteOffset, target.length);
    return [buffer, buffer.length];
  }
  throw invalidArgType('buffer', 'a non-empty Buffer or Uint8Array, or a size', target);
}
