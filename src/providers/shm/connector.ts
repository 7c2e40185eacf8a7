// The connecting side's set-up (CON-1, CON-2, CON-6): find the listener's endpoint (or a
// wildcard one), connect its channel without blocking (a full backlog is tried again for a
// few milliseconds, then refused, LIS-6), check who listens, send the REQUEST, then on
// ACCEPT check and map what arrived and complete only once the session negotiation is done;
// a DECLINE sends the switch to TCP.
import type { EndpointInfo } from '../../types/conduit.js';
import type { Watcher } from '../../native/addon.js';
import { errnoOf, noSanListener, sanDeclined, statusToError, systemError } from '../../errors.js';
import { addon, closeQuietly } from './native.js';
import type { PeerPolicy } from './credentials.js';
import { openShmConduit, type ShmConduit } from './conduit.js';
import { joinSegment } from './segment.js';
import type { SessionGeometry } from '../../session/geometry.js';
import { ACCEPT_FDS, decodeAnswer, encodeRequest, SETUP_MAX_BYTES } from './wire.js';
import { connectCandidates, endpointInode, removeEndpoint } from './rendezvous.js';

const EAGAIN_STATUS = errnoOf('EAGAIN');
const ENOENT_STATUS = errnoOf('ENOENT');
const ECONNREFUSED_STATUS = errnoOf('ECONNREFUSED');

/** The outcome of a connect: the conduit, or the error the switch acts on (CON-4). */
export type ConnectDone = (err: Error | null, conduit?: ShmConduit) => void;

/**
 * How long a connector waits, in milliseconds, before each new try at a listener whose
 * kernel queue is full: a burst of connects gets through a listener that keeps draining, as
 * TCP's SYN retries do, and a backlog that stays full is refused after 255 ms (LIS-6).
 */
export const FULL_BACKLOG_RETRY_MS: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128];

/**
 * Connects a channel to the first live endpoint among the candidates, removing stale ones.
 * Returns the fd, or 'full' when the listener's queue is full; throws
 * ERR_SANSWITCH_NO_SAN_LISTENER when none listens.
 */
function dial(remote: EndpointInfo): number | 'full' {
  const native = addon();
  for (const path of connectCandidates(remote.address, remote.port)) {
    const ino = endpointInode(path);
    if (ino === undefined) continue;
    const fd = native.channelConnect(path);
    if (fd >= 0) return fd;
    if (fd === EAGAIN_STATUS) return 'full';
    if (fd === ECONNREFUSED_STATUS) removeEndpoint(path, ino);
    else if (fd !== ENOENT_STATUS)
      throw statusToError(fd, { syscall: 'connect', ...where(remote) });
  }
  throw noSanListener(remote.address, remote.port);
}

function ignore(): void {}

function where(remote: EndpointInfo): { address: string; port: number } {
  return { address: remote.address, port: remote.port };
}

/** One connect attempt. Main thread only; `abort()` frees everything at once (BLK-2). */
export class ShmConnector {
  readonly #local: EndpointInfo;
  readonly #remote: EndpointInfo;
  readonly #done: ConnectDone;
  /** The segment asked for, and the only one accepted. */
  readonly #geometry: SessionGeometry;
  #channel = -1;
  #watcher: Watcher | undefined;
  #retry: NodeJS.Timeout | undefined;
  #tries = 0;
  #conduit: ShmConduit | undefined;
  #settled = false;
  #refed = true;

  /**
   * Starts connecting, asking for a segment of `geometry`; `done` runs exactly once, on a
   * later tick, unless aborted first.
   */
  constructor(
    local: EndpointInfo,
    remote: EndpointInfo,
    policy: PeerPolicy,
    geometry: SessionGeometry,
    done: ConnectDone,
  ) {
    this.#local = local;
    this.#remote = remote;
    this.#geometry = geometry;
    this.#done = done;
    try {
      this.#start(policy);
    } catch (err) {
      process.nextTick(() => this.#finish(err as Error));
    }
  }

  #start(policy: PeerPolicy): void {
    const native = addon();
    const dialled = dial(this.#remote);
    if (dialled === 'full') return this.#retryLater(policy);
    this.#channel = dialled;
    const peer = native.channelPeer(this.#channel);
    if (typeof peer === 'number' || !policy(peer)) {
      // Not a listener we may share memory with: a plain TCP connect may still be wanted.
      throw noSanListener(this.#remote.address, this.#remote.port);
    }
    const request = encodeRequest({
      localAddress: this.#local.address,
      localPort: this.#local.port,
      remoteAddress: this.#remote.address,
      remotePort: this.#remote.port,
      halfBytes: this.#geometry.halfBytes,
    });
    const sent = native.channelSend(this.#channel, request);
    if (sent < 0) throw statusToError(sent, { syscall: 'connect', ...where(this.#remote) });
    const watcher = native.channelWatch(this.#channel, () => this.#onAnswer());
    if (typeof watcher === 'number') throw statusToError(watcher, { syscall: 'connect' });
    this.#watcher = watcher;
  }

  #retryLater(policy: PeerPolicy): void {
    const delay = FULL_BACKLOG_RETRY_MS[this.#tries];
    this.#tries += 1;
    if (delay === undefined) {
      throw systemError('ECONNREFUSED', { syscall: 'connect', ...where(this.#remote) });
    }
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      try {
        this.#start(policy);
      } catch (err) {
        this.#finish(err as Error);
      }
    }, delay);
    if (!this.#refed) this.#retry.unref();
  }

  #onAnswer(): void {
    const message = addon().channelRecv(this.#channel, SETUP_MAX_BYTES, ACCEPT_FDS);
    if (message === EAGAIN_STATUS) return;
    this.#watcher?.close();
    this.#watcher = undefined;
    const refused = (): Error =>
      systemError('ECONNREFUSED', { syscall: 'connect', ...where(this.#remote) });
    // A hang-up (or reset) before the answer: the listener refused our credentials, or
    // closed; it never accepted, so this is a refusal (ACC-6).
    if (typeof message === 'number') return this.#finish(refused());
    const answer = message.truncated ? null : decodeAnswer(message.bytes);
    if (answer?.verdict === 'reject' || answer?.verdict === 'decline') {
      for (const fd of message.fds) closeQuietly(fd);
      const { address, port } = this.#remote;
      return this.#finish(
        answer.verdict === 'reject' ? refused() : sanDeclined(address, port, answer.reason),
      );
    }
    try {
      if (answer === null) throw systemError('EPROTO', { syscall: 'connect' });
      this.#establish(message.fds, answer.segmentBytes);
    } catch (err) {
      if (answer === null) for (const fd of message.fds) closeQuietly(fd);
      this.#finish(err as Error);
    }
  }

  // Never trusts what arrived: joinSegment checks every fd before mapping (and closes them).
  #establish(fds: number[], segmentBytes: number): void {
    const segment = joinSegment(fds, segmentBytes, this.#geometry);
    const channel = this.#channel;
    this.#channel = -1;
    const conduit = openShmConduit({
      channel,
      segment,
      role: 'connector',
      local: this.#local,
      remote: this.#remote,
    });
    this.#conduit = conduit;
    if (!this.#refed) conduit.unref();
    const failed = (err: Error): void => this.#finish(err);
    conduit.once('error', failed);
    conduit.once('negotiated', () => {
      conduit.off('error', failed);
      // Until the switch attaches its own listeners (a tick later), an error must not throw.
      conduit.on('error', ignore);
      this.#finish(null);
    });
  }

  #finish(err: Error | null): void {
    if (this.#settled) return;
    this.#settled = true;
    if (err) this.#release();
    this.#done(err, err ? undefined : this.#conduit);
  }

  #release(): void {
    clearTimeout(this.#retry);
    this.#watcher?.close();
    this.#watcher = undefined;
    closeQuietly(this.#channel);
    this.#channel = -1;
    this.#conduit?.resetAndDestroy();
    this.#conduit = undefined;
  }

  /** Abandons the attempt at once and frees everything; `done` is not called (BLK-2). */
  abort(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#release();
  }

  ref(): void {
    this.#refed = true;
    this.#retry?.ref();
    this.#watcher?.ref();
    this.#conduit?.ref();
  }

  unref(): void {
    this.#refed = false;
    this.#retry?.unref();
    this.#watcher?.unref();
    this.#conduit?.unref();
  }
}
