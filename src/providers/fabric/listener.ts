// A listening fabric endpoint (LIS-2..6): a passive endpoint on the SAN port, whose
// connection requests are checked (a CONNECT of ours, else a tagged REJECT) and queued until
// the switch's accept() answers them. libfabric's tcp provider has no backlog of its own, so
// the count of queued requests is the backlog: one beyond it is rejected at once with a
// tagged REJECT (ECONNREFUSED at the connector) and the application never hears of it (LIS-6).
// The switch is told once per batch of events, so that the requests that piled up while the
// event loop was busy count against the backlog together, as a kernel's accept queue would.
import type { FabricEvent } from '../../native/addon.js';
import type { SanConnectRequest } from '../spi.js';
import { statusToError, systemError } from '../../errors.js';
import type { FabricDomain } from './domain.js';
import { decodeConnect, encodeReject, type ImageOffer, type RejectReason } from './wire.js';

/** A request waiting for accept(). */
export interface QueuedRequest {
  /** The shim's id of the request (answer it with accept or reject exactly once). */
  id: number;
  request: SanConnectRequest;
  /** The connector's image and the geometry it proposed. */
  offer: ImageOffer;
}

/** Listens on one address and SAN port of a domain. Main thread only. */
export class FabricListener {
  readonly #domain: FabricDomain;
  readonly #id: number;
  readonly #backlog: number;
  readonly #signal: () => void;
  readonly #local: { address: string; port: number; family: string };
  readonly #queue: QueuedRequest[] = [];
  #signalQueued = false;
  #closed = false;

  /**
   * Listens on `address`:`sanPort`; requests are reported as arriving at `tcpPort` (the
   * port the application listens on). Throws
   * the shim's status (EADDRINUSE when the SAN port is taken). `signal` runs after each
   * batch of requests that queued one (LIS-4).
   */
  constructor(
    domain: FabricDomain,
    address: string,
    tcpPort: number,
    sanPort: number,
    backlog: number,
    signal: () => void,
  ) {
    this.#domain = domain;
    this.#backlog = Math.max(1, Math.floor(backlog));
    this.#signal = signal;
    this.#local = { address, port: tcpPort, family: 'IPv4' };
    const id = domain.addon.fabricListen(domain.id, address, sanPort);
    if (id < 0) throw statusToError(id, { syscall: 'listen', address, port: sanPort });
    this.#id = id;
    domain.attach(id, { onEvent: (event) => this.#onEvent(event) });
  }

  /** The listener's shim id (fabricReject needs it). */
  get id(): number {
    return this.#id;
  }

  #onEvent(event: FabricEvent): void {
    if (event.type !== 'request' || this.#closed) return;
    const offer = decodeConnect(event.data);
    if (!offer) return this.reject(event.request, 'protocol');
    if (this.#queue.length >= this.#backlog) return this.reject(event.request, 'backlog');
    const remote = { address: event.address, port: event.port, family: 'IPv4' };
    this.#queue.push({ id: event.request, request: { remote, local: { ...this.#local } }, offer });
    if (this.#signalQueued) return;
    this.#signalQueued = true;
    queueMicrotask(() => {
      this.#signalQueued = false;
      if (!this.#closed && this.#queue.length > 0) this.#signal();
    });
  }

  /** The oldest queued request, or undefined. */
  take(): QueuedRequest | undefined {
    return this.#queue.shift();
  }

  /** Answers request `id` with a tagged REJECT. */
  reject(id: number, reason: RejectReason): void {
    this.#domain.addon.fabricReject(this.#id, id, encodeReject(reason));
  }

  ref(): void {
    this.#domain.setRef(this.#id, true);
  }

  unref(): void {
    this.#domain.setRef(this.#id, false);
  }

  /** Stops listening; queued requests are refused. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const queued of this.#queue.splice(0)) this.reject(queued.id, 'refused');
    this.#domain.forget(this.#id);
    this.#domain.addon.fabricClose(this.#id);
  }
}

/** The EAGAIN accept() throws when nothing is queued. */
export function wouldBlock(): Error {
  return systemError('EAGAIN', { syscall: 'accept' });
}
