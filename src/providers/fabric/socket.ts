// One fabric SAN socket as the switch drives it through the SPI: unbound, bound, listening,
// connecting or connected, and closed. Listening and connecting are delegated to
// FabricListener and FabricConnector; accept() answers a queued request here (ACC-3..6):
// the condition runs before the peer hears anything, an accepted request gets this side's
// image in its ACCEPT, and the connection reaches the application once the connector's
// NEGOTIATE arrived (ConfirmQueue, BLK-2).
import { isIP } from 'node:net';
import type { Conduit, EndpointInfo } from '../../types/conduit.js';
import type { FabricEvent } from '../../native/addon.js';
import type { SanConnectRequest, SanEvents, SanSocket, SanSocketOptions } from '../spi.js';
import { DEFAULT_GEOMETRY, withBulk, type SessionGeometry } from '../../session/geometry.js';
import { ConfirmQueue } from '../../session/confirming.js';
import { invalidArgValue, sanDeclined, systemError } from '../../errors.js';
import type { FabricDomain } from './domain.js';
import { FabricImage } from './image.js';
import { openFabricConduit, type FabricConduit } from './conduit.js';
import { FabricConnector } from './connector.js';
import { FabricListener, wouldBlock, type QueuedRequest } from './listener.js';
import { encodeAccept } from './wire.js';
import { sanPort } from './settings.js';

type State = 'open' | 'listening' | 'connecting' | 'connected' | 'closed';

/** How long an accepted request may take to become connected, in milliseconds. */
const CONNECTED_TIMEOUT_MS = 2000;

/** The fabric provider's SanSocket. Main thread only; nothing blocks. */
export class FabricSocket implements SanSocket {
  readonly #domain: FabricDomain;
  readonly #portOffset: number;
  #state: State = 'open';
  #bound: EndpointInfo | undefined;
  #events: SanEvents = {};
  #listener: FabricListener | undefined;
  #confirming: ConfirmQueue<FabricConduit> | undefined;
  /** Accepted requests waiting for libfabric's connected event, by endpoint id. */
  readonly #answered = new Map<number, { timer: NodeJS.Timeout; drop: () => void }>();
  #connector: FabricConnector | undefined;
  #conduit: FabricConduit | undefined;
  #refed = true;
  #taken = false;
  #geometry: SessionGeometry = DEFAULT_GEOMETRY;

  constructor(domain: FabricDomain, portOffset: number) {
    this.#domain = domain;
    this.#portOffset = portOffset;
  }

  #expect(...states: State[]): void {
    if (this.#state === 'closed') throw systemError('ENOTSOCK', { syscall: 'socket' });
    if (!states.includes(this.#state)) throw systemError('EINVAL', { syscall: 'socket' });
  }

  /** Binds to an IPv4 address; the IPv6 wildcard `::` (Node's default) listens on 0.0.0.0. */
  bind(address: string, port: number): void {
    this.#expect('open');
    const ip = address === '::' ? '0.0.0.0' : address;
    if (isIP(ip) !== 4) throw invalidArgValue('address', address, 'must be an IPv4 address');
    this.#bound = { address: ip, port, family: 'IPv4' };
  }

  /** `bufferBytes`: each side's bulk half of the connection's segment (the switch validated it). */
  setOptions(options: SanSocketOptions): void {
    this.#expect('open');
    if (options.bufferBytes !== undefined) this.#geometry = withBulk(options.bufferBytes);
  }

  listen(backlog: number): void {
    this.#expect('open');
    if (!this.#bound) throw systemError('EINVAL', { syscall: 'listen' });
    const { address, port } = this.#bound;
    const signal = (): void => this.#events.accept?.();
    this.#listener = new FabricListener(
      this.#domain,
      address,
      port,
      sanPort(port, this.#portOffset),
      backlog,
      signal,
    );
    this.#confirming = new ConfirmQueue<FabricConduit>(signal);
    if (!this.#refed) {
      this.#listener.unref();
      this.#confirming.unref();
    }
    this.#state = 'listening';
  }

  eventSelect(events: SanEvents): void {
    this.#expect('open', 'listening', 'connecting');
    this.#events = events;
  }

  /**
   * Hands over the oldest confirmed connection; else answers every queued request (the
   * condition first, ACC-4) and throws EAGAIN: the accepted ones arrive through the accept
   * event once their connector negotiated. A request this side has no memory for is
   * declined (the connector goes on over TCP) and throws ERR_SANSWITCH_SAN_DECLINED.
   */
  accept(condition: (request: SanConnectRequest) => boolean): SanSocket {
    this.#expect('listening');
    const confirmed = this.#confirming?.take();
    if (confirmed) return new FabricSocket(this.#domain, this.#portOffset).adopt(confirmed);
    const listener = this.#listener as FabricListener;
    for (;;) {
      const queued = listener.take();
      if (!queued) throw wouldBlock();
      const { request } = queued;
      if (!condition(request)) {
        listener.reject(queued.id, 'refused');
        throw systemError('ECONNREFUSED', { syscall: 'accept', ...request.remote });
      }
      if (!this.#answer(listener, queued)) {
        throw sanDeclined(request.remote.address, request.remote.port, 'no-memory');
      }
    }
  }

  // Accepts with this side's image; the conduit is built on the connected event. False when
  // there was no memory for the image (the request is then declined).
  #answer(listener: FabricListener, queued: QueuedRequest): boolean {
    let image: FabricImage;
    try {
      image = new FabricImage(this.#domain, queued.offer.geometry);
    } catch {
      listener.reject(queued.id, 'no-memory');
      return false;
    }
    const endpoint = this.#domain.addon.fabricAccept(queued.id, encodeAccept(image.offer()));
    if (endpoint < 0) {
      image.release();
      return true;
    }
    const give = (): void => {
      clearTimeout(this.#answered.get(endpoint)?.timer);
      this.#answered.delete(endpoint);
      this.#domain.forget(endpoint);
    };
    const drop = (): void => {
      give();
      this.#domain.addon.fabricClose(endpoint);
      image.release();
    };
    this.#domain.attach(endpoint, {
      onEvent: (event: FabricEvent) => {
        if (event.type !== 'connected') return drop();
        give();
        this.#connected(endpoint, image, queued);
      },
    });
    const timer = setTimeout(drop, CONNECTED_TIMEOUT_MS);
    if (!this.#refed) timer.unref();
    this.#answered.set(endpoint, { timer, drop });
    return true;
  }

  #connected(endpoint: number, image: FabricImage, queued: QueuedRequest): void {
    let conduit: FabricConduit;
    try {
      conduit = openFabricConduit({
        domain: this.#domain,
        endpoint,
        image,
        peer: queued.offer,
        role: 'acceptor',
        local: queued.request.local,
        remote: queued.request.remote,
      });
    } catch {
      return;
    }
    if (this.#state !== 'listening') return conduit.resetAndDestroy();
    this.#confirming?.add(conduit);
  }

  connect(address: string, port: number): void {
    this.#expect('open');
    if (isIP(address) !== 4) throw invalidArgValue('address', address, 'must be an IPv4 address');
    const remote = { address, port, family: 'IPv4' };
    this.#state = 'connecting';
    this.#connector = new FabricConnector(
      this.#domain,
      remote,
      sanPort(port, this.#portOffset),
      this.#geometry,
      (err, conduit) => {
        this.#connector = undefined;
        if (conduit) {
          this.#conduit = conduit;
          this.#state = 'connected';
        }
        this.#events.connect?.(err);
      },
    );
    if (!this.#refed) this.#connector.unref();
  }

  /** Adopts an accepted connection (accept() builds it). */
  adopt(conduit: FabricConduit): this {
    this.#conduit = conduit;
    this.#state = 'connected';
    return this;
  }

  conduit(): Conduit {
    this.#expect('connected');
    this.#taken = true;
    return this.#conduit as FabricConduit;
  }

  ref(): void {
    this.#refed = true;
    this.#listener?.ref();
    this.#confirming?.ref();
    this.#connector?.ref();
    for (const { timer } of this.#answered.values()) timer.ref();
  }

  unref(): void {
    this.#refed = false;
    this.#listener?.unref();
    this.#confirming?.unref();
    this.#connector?.unref();
    for (const { timer } of this.#answered.values()) timer.unref();
  }

  /**
   * Immediate teardown (CLS-2): a listener stops and refuses queued requests, a connect in
   * progress is abandoned (BLK-2), and a connection whose conduit was never taken is reset.
   */
  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#listener?.close();
    this.#confirming?.close();
    this.#connector?.abort();
    for (const { drop } of [...this.#answered.values()]) drop();
    this.#listener = undefined;
    this.#confirming = undefined;
    this.#connector = undefined;
    if (!this.#taken) this.#conduit?.resetAndDestroy();
  }
}
