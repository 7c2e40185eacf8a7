// Registered buffers of one connection (MEM-1..9, CACHE-1..5): application memory the switch
// may expose to the peer for RDMA, reference-counted, cached after the last deregister until
// the application frees it, and released when the connection closes. The memory itself comes
// from a backend: the connection's bulk area on a SAN conduit, the heap otherwise.
import { systemError } from '../errors.js';

/** Where registered memory comes from. Main thread only. */
export interface BufferBackend {
  /** A Buffer of `bytes` the peer can reach by RDMA, or undefined when there is no room. */
  allocate(bytes: number): Buffer | undefined;
  /** Returns a Buffer from allocate(); the backend must not hand it out again before. */
  free(buffer: Buffer): void;
}

/** One registration: a Buffer from allocBuffer() and its counts. */
export interface Registration {
  readonly buffer: Buffer;
  /** register() calls not yet matched by deregister(); 0 while it only sits in the cache. */
  refs: number;
  /** Operations (sends) that use the memory now; deregister() fails while > 0 (MEM-6). */
  inUse: number;
}

/** Heap memory: what a conduit without RDMA (TCP) registers; nothing is exposed. */
export const heapBackend: BufferBackend = {
  allocate: (bytes) => Buffer.alloc(bytes),
  free: () => {},
};

const error = (code: string, syscall: string) => systemError(code, { syscall });

/** The registration table of one connection. Main thread only; O(registrations) lookups. */
export class RegisteredBuffers {
  readonly #backend: BufferBackend;
  readonly #table: Registration[] = [];
  #closed = false;

  constructor(backend: BufferBackend) {
    this.#backend = backend;
  }

  /**
   * Allocates `bytes` (an integer > 0) and registers it once. Throws ENOBUFS when the backend
   * has no room (SES-10), ENOTCONN once the connection is closed.
   */
  alloc(bytes: number): Buffer {
    if (this.#closed) throw error('ENOTCONN', 'allocBuffer');
    const buffer = this.#backend.allocate(bytes);
    if (!buffer) throw error('ENOBUFS', 'allocBuffer');
    this.#table.push({ buffer, refs: 1, inUse: 0 });
    return buffer;
  }

  /**
   * Registers `buffer` again (MEM-5). A cached one is exposed again at no cost (CACHE-2).
   * Throws EFAULT for memory that allocBuffer() did not return, ENOTCONN once closed.
   */
  register(buffer: Buffer): void {
    if (this.#closed) throw error('ENOTCONN', 'register');
    const registration = this.#exact(buffer);
    if (!registration) throw error('EFAULT', 'register');
    registration.refs += 1;
  }

  /**
   * Ends one registration. At zero the memory stays cached (CACHE-1) and no later send exposes
   * it (CACHE-4). Throws EINVAL for an unknown or unregistered buffer, or while a send still
   * uses it (MEM-6).
   */
  deregister(buffer: Buffer): void {
    const registration = this.#exact(buffer);
    if (!registration || registration.refs === 0 || registration.inUse > 0) {
      throw error('EINVAL', 'deregister');
    }
    registration.refs -= 1;
  }

  /**
   * Releases cached memory for good (the cache callback, CACHE-3): EINVAL when it was never
   * cached, EFAULT while it is still registered or in use.
   */
  free(buffer: Buffer): void {
    const registration = this.#exact(buffer);
    if (!registration) throw error('EINVAL', 'freeBuffer');
    if (registration.refs > 0 || registration.inUse > 0) throw error('EFAULT', 'freeBuffer');
    this.#table.splice(this.#table.indexOf(registration), 1);
    this.#backend.free(buffer);
  }

  /** The live registration that contains all of `chunk`, if any (a send may expose it). */
  lookup(chunk: Buffer): Registration | undefined {
    if (this.#closed) return undefined;
    return this.#table.find((r) => r.refs > 0 && contains(r.buffer, chunk));
  }

  /** Number of registrations, cached ones included. */
  get size(): number {
    return this.#table.length;
  }

  /** The connection closed: every registration ends and its memory returns (CACHE-5). */
  close(): void {
    this.#closed = true;
    for (const registration of this.#table.splice(0)) this.#backend.free(registration.buffer);
  }

  #exact(buffer: Buffer): Registration | undefined {
    return this.#table.find(
      (r) => r.buffer.buffer === buffer.buffer && r.buffer.byteOffset === buffer.byteOffset,
    );
  }
}

function contains(outer: Buffer, inner: Buffer): boolean {
  const start = outer.byteOffset;
  return (
    outer.buffer === inner.buffer &&
    inner.byteOffset >= start &&
    inner.byteOffset + inner.length <= start + outer.length
  );
}
