// TEST DOUBLE: an in-process pair of Conduits for the SAN provider double (san-double.ts).
// The real SAN conduits (shm over shared memory, fabric over libfabric) come with their providers;
// this pair only moves Buffers between two objects, preserving order, FIN and reset.
import { EventEmitter } from 'node:events';
import type { Conduit, EndpointInfo } from '../../src/types/conduit.js';
import { systemError } from '../../src/errors.js';

const END = Symbol('end');
type Item = Buffer | typeof END;

/** One end of an in-process connection. */
export class DoubleConduit extends EventEmitter implements Conduit {
  peer: DoubleConduit | undefined;
  readonly local: EndpointInfo;
  readonly remote: EndpointInfo;
  readonly #inbox: Item[] = [];
  #paused = true;
  #closed = false;
  #flushing = false;
  #sentEnd = false;

  constructor(local: EndpointInfo, remote: EndpointInfo) {
    super();
    this.local = local;
    this.remote = remote;
  }

  /** A connected pair: what one writes, the other reads. */
  static pair(a: EndpointInfo, b: EndpointInfo): [DoubleConduit, DoubleConduit] {
    const left = new DoubleConduit(a, b);
    const right = new DoubleConduit(b, a);
    left.peer = right;
    right.peer = left;
    return [left, right];
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(chunk: Buffer, cb: (err?: Error | null) => void): void {
    const copy = Buffer.from(chunk);
    const peer = this.peer;
    setImmediate(() => {
      peer?.receiveItem(copy);
      cb(this.#closed ? systemError('EPIPE', { syscall: 'write' }) : null);
    });
  }

  end(cb: () => void): void {
    this.#sentEnd = true;
    const peer = this.peer;
    setImmediate(() => {
      peer?.receiveItem(END);
      cb();
    });
  }

  destroy(): void {
    if (this.#closed) return;
    const peer = this.peer;
    this.#close();
    // An orderly close: the peer reads what was queued, then the FIN (once).
    if (!this.#sentEnd) setImmediate(() => peer?.receiveItem(END));
    this.#sentEnd = true;
  }

  resetAndDestroy(): void {
    if (this.#closed) return;
    const peer = this.peer;
    this.#close();
    peer?.reset();
  }

  /** The peer reset the connection: ECONNRESET, then close. */
  reset(): void {
    if (this.#closed) return;
    this.#close();
    this.emit('error', systemError('ECONNRESET', { syscall: 'read' }));
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    queueMicrotask(() => this.#flush());
  }

  setNoDelay(): void {}
  setKeepAlive(): void {}
  ref(): void {}
  unref(): void {}

  #close(): void {
    this.#closed = true;
    if (this.peer) this.peer.peer = undefined;
    this.peer = undefined;
    setImmediate(() => this.emit('close'));
  }

  /** Called by the peer: one chunk or the FIN arrives. */
  receiveItem(item: Item): void {
    if (this.#closed) return;
    this.#inbox.push(item);
    this.#flush();
  }

  #flush(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    while (!this.#paused && !this.#closed && this.#inbox.length > 0) {
      const item = this.#inbox.shift() as Item;
      if (item === END) this.emit('end');
      else this.emit('data', item);
    }
    this.#flushing = false;
  }
}
