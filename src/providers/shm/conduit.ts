// One established shm connection: the session conduit over the mapped segment, with its
// doorbells wired to the native eventfds and the rendezvous channel kept open as the
// liveness channel: after a hang-up the session delivers what the peer left in the segment,
// then ends as a closed peer's connection does. Closing it releases the window, the region,
// the fds and the watchers.
import type { EndpointInfo } from '../../types/conduit.js';
import type { Watcher } from '../../native/addon.js';
import { SessionConduit } from '../../session/conduit.js';
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

/** What one connection holds outside the session: released once, however it ends. */
class ShmResources {
  readonly watchers: Watcher[] = [];
  #released = false;

  constructor(
    readonly channel: number,
    readonly segment: MappedSegment,
  ) {}

  release(): void {
    if (this.#released) return;
    this.#released = true;
    for (const watcher of this.watchers.splice(0)) watcher.close();
    this.segment.release();
    closeQuietly(this.channel);
  }
}

/**
 * A SessionConduit over an shm connection; emits `negotiated` once the session negotiation
 * finished (the connector completes its connect then, CON-6). Build it with
 * openShmConduit(). Main thread only.
 */
export class ShmConduit extends SessionConduit {
  readonly #resources: ShmResources;
  #channelWatcher: Watcher | undefined;

  /** Throws (EPROTO for a segment whose header is not as expected); see openShmConduit. */
  constructor(options: ShmConduitOptions, resources: ShmResources) {
    const { segment } = options;
    const native = addon();
    super({
      core: processCore(),
      segment: segment.address,
      geometry: segment.geometry,
      role: options.role,
      doorbell: { ring: () => void native.doorbellRing(segment.peerBell) },
      rdmaRead: SHM_CAPABILITIES.rdmaRead,
      local: options.local,
      remote: options.remote,
      onClose: () => resources.release(),
    });
    this.#resources = resources;
    this.#watch(native.doorbellWatch(segment.ownBell, () => this.wake()));
    this.#channelWatcher = this.#watch(
      native.channelWatch(resources.channel, (events) => this.#onChannel(events)),
    );
  }

  override ref(): void {
    super.ref();
    for (const watcher of this.#resources.watchers) watcher.ref();
  }

  override unref(): void {
    super.unref();
    for (const watcher of this.#resources.watchers) watcher.unref();
  }

  #watch(watcher: Watcher | number): Watcher | undefined {
    if (typeof watcher === 'number') {
      // Without its watchers the connection cannot hear its peer: treat it as gone.
      queueMicrotask(() => this.abort(systemError('ECONNRESET', { syscall: 'read' })));
      return undefined;
    }
    this.#resources.watchers.push(watcher);
    return watcher;
  }

  // The channel carries nothing after set-up: a message is a protocol violation, and a
  // hang-up means the peer closed or died (what it sent is already in the segment).
  #onChannel(events: number): void {
    const native = addon();
    if (events >= 0 && (events & native.constants.POLL_DISCONNECT) === 0) {
      const message = native.channelRecv(this.#resources.channel, 1);
      if (message === EAGAIN_STATUS) return;
      if (typeof message === 'object') {
        return this.abort(systemError('EPROTO', { syscall: 'read' }));
      }
    }
    this.#channelWatcher?.close();
    this.peerGone();
  }
}

/**
 * Builds the conduit of one shm connection, which then owns `channel` and `segment`. Throws
 * (EPROTO for a segment whose header is not as expected) after releasing both.
 */
export function openShmConduit(options: ShmConduitOptions): ShmConduit {
  const resources = new ShmResources(options.channel, options.segment);
  try {
    return new ShmConduit(options, resources);
  } catch (err) {
    resources.release();
    throw err;
  }
}
