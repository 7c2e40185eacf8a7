// A listening shm endpoint (LIS-2..6): a SEQPACKET channel listener in the rendezvous
// directory whose kernel accept queue IS the backlog, so that a connect beyond it is refused
// by the kernel (EAGAIN at the connector, which tries again briefly) even while this
// process's event loop is busy, and the application never hears of it (LIS-6). Requests are read off accepted
// channels and queued until the switch's accept() answers them. Only a complete request
// counts against the backlog: a channel that has not sent one yet waits on its own timer,
// among at most MAX_ARRIVING such channels, so silent dialers cannot crowd out real clients.
import { isIP } from 'node:net';
import type { Watcher } from '../../native/addon.js';
import type { SanConnectRequest } from '../spi.js';
import { errnoOf, systemError } from '../../errors.js';
import { addon, check, closeQuietly } from './native.js';
import type { PeerPolicy } from './credentials.js';
import { decodeRequest, SETUP_MAX_BYTES } from './wire.js';
import { withBulk, type SessionGeometry } from '../../session/geometry.js';
import { endpointInode, endpointPath, removeEndpoint } from './rendezvous.js';

/** How long an accepted channel may take to send its request, in milliseconds. */
export const REQUEST_TIMEOUT_MS = 2000;
/**
 * Accepted channels with no complete request yet, at most; beyond it the oldest is hung up
 * on (a client sends its request right after connecting, so a real one is rarely among them).
 */
export const MAX_ARRIVING = 256;

const EAGAIN_STATUS = errnoOf('EAGAIN');
const EADDRINUSE_STATUS = errnoOf('EADDRINUSE');
const ECONNREFUSED_STATUS = errnoOf('ECONNREFUSED');

/** A request read off an accepted channel, waiting for accept(). */
export interface QueuedRequest {
  channel: number;
  /** The connector's process (from the channel's credentials). */
  peerPid: number;
  request: SanConnectRequest;
  /** The segment the connector asked for. */
  geometry: SessionGeometry;
}

interface Arriving {
  watcher: Watcher | undefined;
  timer: NodeJS.Timeout;
}

function family(address: string): string {
  return isIP(address) === 6 ? 'IPv6' : 'IPv4';
}

/**
 * The kernel's `listen()` argument for `backlog` pending requests: Linux lets an AF_UNIX
 * listener queue one more than it (`skb_queue_len > sk_max_ack_backlog` refuses). A backlog
 * of 0 is treated as 1, the least a listener can queue.
 */
export function kernelBacklog(backlog: number): number {
  return Math.min(65535, Math.max(0, Math.floor(backlog) - 1));
}

/**
 * Binds the endpoint for `address`:`port`, replacing a stale one (a socket file nobody
 * listens on any more). Throws EADDRINUSE when a live listener holds it.
 */
function bindEndpoint(
  address: string,
  port: number,
  backlog: number,
): { fd: number; path: string } {
  const native = addon();
  const path = endpointPath(address, port);
  let fd = native.channelListen(path, kernelBacklog(backlog));
  if (fd === EADDRINUSE_STATUS) {
    const ino = endpointInode(path);
    const probe = native.channelConnect(path);
    if (probe >= 0) closeQuietly(probe);
    if (probe === ECONNREFUSED_STATUS && removeEndpoint(path, ino)) {
      fd = native.channelListen(path, kernelBacklog(backlog));
    }
  }
  return { fd: check(fd, 'listen'), path };
}

/** One listening endpoint. Main thread only. */
export class ShmListener {
  readonly #fd: number;
  readonly #path: string;
  readonly #ino: number | undefined;
  readonly #backlog: number;
  readonly #policy: PeerPolicy;
  readonly #onReady: () => void;
  readonly #arriving = new Map<number, Arriving>();
  readonly #ready: QueuedRequest[] = [];
  #watcher: Watcher | undefined;
  #refed = true;
  #closed = false;

  constructor(
    address: string,
    port: number,
    backlog: number,
    policy: PeerPolicy,
    onReady: () => void,
  ) {
    const { fd, path } = bindEndpoint(address, port, backlog);
    this.#fd = fd;
    this.#path = path;
    this.#ino = endpointInode(path);
    this.#backlog = Math.max(1, Math.floor(backlog));
    this.#policy = policy;
    this.#onReady = onReady;
    this.#resume();
  }

  /** The oldest queued request, or undefined; resumes taking requests from the kernel. */
  take(): QueuedRequest | undefined {
    const next = this.#ready.shift();
    if (next) queueMicrotask(() => this.#resume());
    return next;
  }

  // Watches the listening fd while the backlog has room; with it full the kernel queue holds
  // the rest and refuses beyond it.
  #resume(): void {
    if (this.#closed || this.#watcher || this.#ready.length >= this.#backlog) return;
    const watcher = addon().channelWatch(this.#fd, () => this.#drainKernel());
    if (typeof watcher === 'number') return;
    this.#watcher = this.#refed ? watcher : watcher.unref();
  }

  #drainKernel(): void {
    const native = addon();
    while (!this.#closed && this.#ready.length < this.#backlog) {
      const accepted = native.channelAccept(this.#fd);
      if (typeof accepted === 'number') {
        if (accepted === EAGAIN_STATUS) break;
        continue;
      }
      if (!this.#policy(accepted)) {
        closeQuietly(accepted.fd);
        continue;
      }
      this.#arrive(accepted.fd, accepted.pid);
    }
    if (this.#ready.length >= this.#backlog) {
      this.#watcher?.close();
      this.#watcher = undefined;
    }
    if (this.#ready.length > 0) this.#onReady();
  }

  // Reads the request now if it is there (it usually is: the connector sends it right after
  // connecting), else waits for it, bounded by REQUEST_TIMEOUT_MS.
  #arrive(channel: number, peerPid: number): void {
    if (this.#readRequest(channel, peerPid)) return;
    if (this.#arriving.size >= MAX_ARRIVING) {
      const [oldest] = this.#arriving.keys();
      if (oldest !== undefined) this.#drop(oldest);
    }
    const timer = setTimeout(() => this.#drop(channel), REQUEST_TIMEOUT_MS);
    if (!this.#refed) timer.unref();
    const arriving: Arriving = { watcher: undefined, timer };
    this.#arriving.set(channel, arriving);
    const watcher = addon().channelWatch(channel, () => {
      if (this.#readRequest(channel, peerPid)) {
        this.#forget(channel);
        this.#onReady();
      }
    });
    if (typeof watcher === 'number') this.#drop(channel);
    else arriving.watcher = this.#refed ? watcher : watcher.unref();
  }

  // True when the channel is done with: queued, or dropped for a bad or missing request.
  #readRequest(channel: number, peerPid: number): boolean {
    const message = addon().channelRecv(channel, SETUP_MAX_BYTES, 0);
    if (message === EAGAIN_STATUS) return false;
    const decoded =
      typeof message === 'object' && !message.truncated ? decodeRequest(message.bytes) : null;
    if (decoded === null) {
      this.#forget(channel);
      closeQuietly(channel);
      return true;
    }
    const { localAddress, localPort, remoteAddress, remotePort, halfBytes } = decoded;
    this.#ready.push({
      channel,
      peerPid,
      geometry: withBulk(halfBytes),
      request: {
        remote: { address: localAddress, port: localPort, family: family(localAddress) },
        local: { address: remoteAddress, port: remotePort, family: family(remoteAddress) },
      },
    });
    return true;
  }

  #forget(channel: number): void {
    const arriving = this.#arriving.get(channel);
    if (!arriving) return;
    this.#arriving.delete(channel);
    clearTimeout(arriving.timer);
    arriving.watcher?.close();
  }

  #drop(channel: number): void {
    this.#forget(channel);
    closeQuietly(channel);
    this.#resume();
  }

  ref(): void {
    this.#refed = true;
    this.#watcher?.ref();
    for (const arriving of this.#arriving.values()) {
      arriving.watcher?.ref();
      arriving.timer.ref();
    }
  }

  unref(): void {
    this.#refed = false;
    this.#watcher?.unref();
    for (const arriving of this.#arriving.values()) {
      arriving.watcher?.unref();
      arriving.timer.unref();
    }
  }

  /** Stops listening: removes the endpoint and hangs up on every queued request. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#watcher?.close();
    for (const channel of [...this.#arriving.keys()]) this.#drop(channel);
    for (const queued of this.#ready.splice(0)) closeQuietly(queued.channel);
    closeQuietly(this.#fd);
    removeEndpoint(this.#path, this.#ino);
  }
}

/** The error accept() throws when nothing is queued. */
export function wouldBlock(): Error {
  return systemError('EAGAIN', { syscall: 'accept' });
}
