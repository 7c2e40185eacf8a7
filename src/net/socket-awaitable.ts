// The awaitable half of the Socket's API: send() and recv() with AbortSignal, registered
// buffers and rdmaCancelTimeout. A base class so that socket.ts keeps the stream and
// connection life cycle; the work itself is in socket-calls.ts and src/buffers/.
import { Duplex } from 'node:stream';
import type { Conduit } from '../types/conduit.js';
import { cancelledSocket, outOfRange, systemError } from '../errors.js';
import { validateNonNegative } from './args.js';
import { RDMA_CANCEL_TIMEOUT_MS, SocketCalls } from './socket-calls.js';
import type { RecvOptions, SendOptions } from './socket-calls.js';
import { heapBackend, RegisteredBuffers } from '../buffers/registered-buffers.js';

/** Internal hooks between Socket and this base. */
export const kCalls = Symbol('sanswitch.calls');
export const kConduit = Symbol('sanswitch.conduit');
export const kCloseBuffers = Symbol('sanswitch.closeBuffers');

type WriteCallback = (err?: Error | null) => void;

/** A Duplex with the awaitable calls; Socket extends it. Main thread only. */
export abstract class AwaitableDuplex extends Duplex {
  #rdmaCancelTimeout = RDMA_CANCEL_TIMEOUT_MS;
  /** Registrations of a conduit without RDMA (TCP): heap memory, same rules. */
  #heapBuffers: RegisteredBuffers | undefined;
  protected readonly [kCalls] = new SocketCalls({
    stream: this,
    conduit: () => this[kConduit](),
    rdmaCancelTimeout: () => this.#rdmaCancelTimeout,
  });

  /** The established conduit the calls run over, if any. */
  protected abstract [kConduit](): Conduit | undefined;

  /** The socket is destroyed: heap registrations end (CACHE-5). */
  protected [kCloseBuffers](): void {
    this.#heapBuffers?.close();
  }

  /**
   * A registered buffer is in use from the write() (or send()) that takes it until its
   * callback, even while the write waits behind others in the stream's buffer: deregister()
   * and freeBuffer() refuse it meanwhile (MEM-6, CACHE-3), so its memory is never reused
   * under a send.
   */
  override write(chunk: unknown, cb?: WriteCallback): boolean;
  override write(chunk: unknown, encoding: BufferEncoding, cb?: WriteCallback): boolean;
  override write(chunk: unknown, encoding?: BufferEncoding | WriteCallback, cb?: WriteCallback) {
    const done = typeof encoding === 'function' ? encoding : cb;
    const registration = Buffer.isBuffer(chunk) ? this.#registrationOf(chunk) : undefined;
    if (!registration) {
      return done === cb
        ? super.write(chunk, encoding as BufferEncoding, cb)
        : super.write(chunk, done);
    }
    registration.inUse += 1;
    const release: WriteCallback = (err) => {
      registration.inUse -= 1;
      done?.(err);
    };
    return done === cb
      ? super.write(chunk, encoding as BufferEncoding, release)
      : super.write(chunk, release);
  }

  #registrationOf(chunk: Buffer) {
    return (this[kConduit]()?.buffers ?? this.#heapBuffers)?.lookup(chunk);
  }

  /** Milliseconds a cancelled send waits for the peer's RDMA before a reset (BLK-5). */
  get rdmaCancelTimeout(): number {
    return this.#rdmaCancelTimeout;
  }
  set rdmaCancelTimeout(ms: number) {
    validateNonNegative(ms, 'rdmaCancelTimeout');
    this.#rdmaCancelTimeout = ms;
  }

  /**
   * Sends `data` (Buffer, Uint8Array or string) in stream order with `write()`; resolves with
   * its length once it left the application's hands (copied by the switch, or read by the
   * peer's RDMA for registered memory). `signal`/`timeout` cancel it (BLK-4/5). Main thread.
   */
  send(data: Buffer | Uint8Array | string, options?: SendOptions): Promise<number> {
    return this[kCalls].send(data, options);
  }

  /**
   * Receives up to `bufferOrSize` bytes: into the given Buffer (resolving with the filled
   * part of it) or into a new one of at most that size; null at the end of the stream.
   */
  recv(bufferOrSize: Buffer | Uint8Array | number, options?: RecvOptions): Promise<Buffer | null> {
    return this[kCalls].recv(bufferOrSize, options);
  }

  /**
   * Registered memory (MEM): `size` bytes the peer's RDMA reads straight out of on a SAN
   * connection (no staging copy), registered once. Throws ENOBUFS when the connection's bulk
   * area has no room (SES-10), ENOTCONN before the connection is established.
   */
  allocBuffer(size: number): Buffer {
    if (!Number.isInteger(size) || size <= 0) throw outOfRange('size', 'an integer > 0', size);
    return this.#buffers('allocBuffer').alloc(size);
  }

  /** Registers an allocBuffer() Buffer once more (reference-counted, MEM-5, CACHE-2). */
  register(buffer: Buffer): void {
    this.#buffers('register').register(buffer);
  }

  /** Ends one registration; EINVAL when unregistered or still used by a send (MEM-6). */
  deregister(buffer: Buffer): void {
    this.#buffers('deregister').deregister(buffer);
  }

  /** Frees a deregistered (cached) buffer for good (CACHE-3): EINVAL, EFAULT as documented. */
  freeBuffer(buffer: Buffer): void {
    this.#buffers('freeBuffer').free(buffer);
  }

  #buffers(syscall: string): RegisteredBuffers {
    if (this[kCalls].cancelled) throw cancelledSocket(syscall);
    const conduit = this[kConduit]();
    if (!conduit) throw systemError('ENOTCONN', { syscall });
    return conduit.buffers ?? (this.#heapBuffers ??= new RegisteredBuffers(heapBackend));
  }
}
