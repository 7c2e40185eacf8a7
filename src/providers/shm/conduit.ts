// One established shm connection as the switch sees it: a Conduit that forwards to the
// session conduit over the mapped segment, wires the doorbells to the native eventfds, and
// watches the rendezvous channel, which stays open as the liveness channel: after a hang-up
// the session delivers what the peer left in the segment, then ends on its FIN or fails with
// ECONNRESET. Closing it releases the window, the region, the fds and the watchers.
import { EventEmitter } from 'node:events';
import type { Conduit, EndpointInfo } from '../../types/conduit.js';
import type { Watcher } from '../../native/addon.js';
import { SessionConduit } from '../../session/conduit.js';
import type { RegisteredBuffers } from '../../buffers/registered-buffers.js';
import { processCore } from '../../wasm/process-core.js';
import { errnoOf, systemError } from '../../errors.js';
import type { MappedSegment } from './segment.js';
import { addon, closeQuietly } from './native.js';
import { SHM_CAPABILITIES } from './capabilities.js';

const EAGAIN_STATUS = errnoOf('EAGAIN');

/** What a ShmConduit is built from; it takes ownership of the channel and the segment. */
export interface ShmConduitOptions {
  channel: number;
  segment: MappedSegment;
  role: 'connector' | 'acceptor';
  local: EndpointInfo;
  remote: EndpointInfo;
}

/**
 * A Conduit over an shm connection. Emits `negotiated` once the session negotiation finished
 * (the connector completes its connect then, CON-6). Main thread only.
 */
export class ShmConduit extends EventEmitter implements Conduit {
  readonly local: EndpointInfo;
  readonly remote: EndpointInfo;
  readonly #channel: number;
  readonly #segment: MappedSegment;
  readonly #session: SessionConduit;
  readonly #watchers: Watcher[] = [];
  #closed = false;
  #channelWatcher: Watcher | undefined;

  /** Throws (EPROTO for a segment whose header is not as expected) after releasing all. */
  constructor(options: ShmConduitOptions) {
    super();
    this.local = options.local;
    this.remote = options.remote;
    this.#channel = options.channel;
    this.#segment = options.segment;
    const native = addon();
    const peerBell = options.segment.peerBell;
    try {
      this.#session = new SessionConduit({
        core: processCore(),
        segment: options.segment.address,
        geometry: options.segment.geometry,
        role: options.role,
        doorbell: { ring: () => void native.doorbellRing(peerBell) },
        rdmaRead: SHM_CAPABILITIES.rdmaRead,
        local: options.local,
        remote: options.remote,
      });
    } catch (err) {
      this.#release();
      throw err;
    }
    this.#forward();
    this.#watch(native.doorbellWatch(options.segment.ownBell, () => this.#session.wake()));
    this.#channelWatcher = this.#watch(
      native.channelWatch(this.#channel, (events) => this.#onChannel(events)),
    );
  }

  #watch(watcher: Watcher | number): Watcher | undefined {
    if (typeof watcher === 'number') {
      // Without its watchers the connection cannot hear its peer: treat it as gone.
      queueMicrotask(() => this.#fail('ECONNRESET'));
      return undefined;
    }
    this.#watchers.push(watcher);
    return watcher;
  }

  #forward(): void {
    const session = this.#session;
    session.on('data', (chunk: Buffer) => this.emit('data', chunk));
    session.on('negotiated', () => this.emit('negotiated'));
    session.on('end', () => this.emit('end'));
    session.on('error', (err: Error) => this.emit('error', err));
    session.once('close', () => {
      this.#release();
      this.emit('close');
    });
  }

  // The channel carries nothing after set-up: a message is a protocol violation, and a
  // hang-up means the peer closed or died (its FIN, if any, is already in the segment).
  #onChannel(events: number): void {
    const native = addon();
    if (events >= 0 && (events & native.constants.POLL_DISCONNECT) === 0) {
      const message = native.channelRecv(this.#channel, 1);
      if (message === EAGAIN_STATUS) return;
      if (typeof message === 'object') return this.#fail('EPROTO');
    }
    this.#channelWatcher?.close();
    if (!this.#closed) this.#session.peerGone();
  }

  #fail(code: string): void {
    if (this.#closed) return;
    this.emit('error', systemError(code, { syscall: 'read' }));
    this.#session.resetAndDestroy();
  }

  #release(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const watcher of this.#watchers.splice(0)) watcher.close();
    this.#segment.release();
    closeQuietly(this.#channel);
  }

  write(chunk: Buffer, cb: (err?: Error | null) => void): void {
    this.#session.write(chunk, cb);
  }

  end(cb: () => void): void {
    this.#session.end(cb);
  }

  postReceive(target: Buffer | undefined): void {
    this.#session.postReceive(target);
  }

  /** Registered memory of this connection: Buffers over its segment's bulk half (MEM). */
  get buffers(): RegisteredBuffers {
    return this.#session.buffers;
  }

  cancelWrite(chunk: Buffer, err: Error): 'dropped' | 'rdma' | 'none' {
    return this.#session.cancelWrite(chunk, err);
  }

  destroy(): void {
    this.#session.destroy();
  }

  resetAndDestroy(): void {
    this.#session.resetAndDestroy();
  }

  pause(): void {
    this.#session.pause();
  }

  resume(): void {
    this.#session.resume();
  }

  setNoDelay(): void {}

  setKeepAlive(): void {}

  ref(): void {
    this.#session.ref();
    for (const watcher of this.#watchers) watcher.ref();
  }

  unref(): void {
    this.#session.unref();
    for (const watcher of this.#watchers) watcher.unref();
  }
}
