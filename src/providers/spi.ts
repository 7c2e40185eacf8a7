// The provider SPI: what the switch calls on a SAN provider (never the application),
// modelled on the WSD SPI (PRV-1, CB, LIS, ACC, CON); the TCP/IP provider's interface; the
// shared "not supported" error and the start-up reference count every provider needs
// (INIT-7).
import type { Conduit, EndpointInfo } from '../types/conduit.js';
import { codes, libraryError, systemError } from '../errors.js';
import type { AddressInfo } from 'node:net';
import type { ConnectAttempt } from '../types/switch-socket.js';

/** The outcome of `probe()`: whether the provider can run here, and if not, why. */
export interface ProbeResult {
  available: boolean;
  /** A short human-readable reason when unavailable (shown by `providers()`). */
  reason?: string;
}

/** What a provider can do beyond the required operations (INIT-4). */
export interface SanCapabilities {
  /** The peer can pull data with RDMA READ (SES-9a); otherwise RDMA WRITE is used (SES-9b). */
  rdmaRead: boolean;
}

/** A connection request waiting on a listening SAN socket, as the condition function sees it. */
export interface SanConnectRequest {
  remote: EndpointInfo;
  local: EndpointInfo;
}

/** Handlers set by `eventSelect` (LIS-3, CON-1). Providers call them on the main thread. */
/**
 * Options the switch replays on a companion socket before it connects (CB-6). `bufferBytes`:
 * bytes of each side's memory for large sends and registered buffers.
 */
export interface SanSocketOptions {
  bufferBytes?: number;
}

export interface SanEvents {
  /** A request is queued (LIS-4); the switch then drains `accept()` until EAGAIN. */
  accept?: () => void;
  /** A non-blocking connect finished: `null` on success, else the error (CON-2). */
  connect?: (err: Error | null) => void;
}

/**
 * One SAN socket (the switch's hidden "companion", CB-1). All methods are main-thread only
 * and never block. There is no cancel operation: to abandon a connect the switch calls
 * `close()` (BLK-1, BLK-2).
 */
export interface SanSocket {
  /** Binds to an IP (or the wildcard `0.0.0.0` / `::`) and the TCP socket's port (CB-5). */
  bind(address: string, port: number): void;
  /**
   * Starts listening. With a backlog that stays full the provider refuses the peer
   * (ECONNREFUSED at the connector, within milliseconds) and signals nothing (LIS-6).
   */
  listen(backlog: number): void;
  /** Sets the event handlers and makes the socket non-blocking (LIS-3, CON-1). */
  eventSelect(events: SanEvents): void;
  /**
   * Optional: takes the options this provider supports before `connect` (CB-6) and ignores
   * the rest; throws when a value cannot be honoured (the switch then uses TCP, CB-7).
   */
  setOptions?(options: SanSocketOptions): void;
  /**
   * Takes the oldest queued request. Runs `condition` before it tells the peer anything
   * (ACC-3, ACC-4). Returns the connected socket when it returned true (ACC-5); throws
   * ECONNREFUSED when it returned false, and the peer's connect fails with ECONNREFUSED
   * (ACC-6); throws EAGAIN when the queue is empty.
   */
  accept(condition: (request: SanConnectRequest) => boolean): SanSocket;
  /**
   * Starts a non-blocking connect; completion arrives through the `connect` event. Errors:
   * ECONNREFUSED, ECONNRESET, EHOSTUNREACH (final, CON-4) only when TCP would fail too
   * (CON-5); ETIMEDOUT or `ERR_SANSWITCH_NO_SAN_LISTENER` when TCP might work (fallback).
   */
  connect(address: string, port: number): void;
  /** The established connection's byte stream; the conduit then owns this socket. */
  conduit(): Conduit;
  /** Whether a listening socket keeps the event loop alive (default: it does). */
  ref(): void;
  unref(): void;
  /** Immediate teardown; never fails, never waits (CLS-2). Later calls fail ENOTSOCK. */
  close(): void;
}

/** A SAN provider descriptor, registered with `registry.register()`. */
export interface SanProvider {
  /** A short lowercase id: `shm`, `fabric`. Shown as `socket.transport`. */
  readonly id: string;
  readonly version: string;
  readonly capabilities: SanCapabilities;
  /** Whether the provider can run in this process; cheap, called once at registration. */
  probe(): ProbeResult;
  /** Reference-counted start-up (INIT-7); called once per registration when available. */
  startup(): void;
  /** Pairs one `startup()`; only the last one really cleans up (INIT-7). */
  cleanup(): void;
  /** The IPs (`'10.0.0.5'`) or subnets (`'10.0.0.0/24'`) its NICs serve (INIT-5). */
  addressList(): string[];
  /** A new, unbound socket (CB-3). */
  socket(): SanSocket;
}

/** Where and how the TCP/IP provider connects. */
export interface IpConnectOptions {
  host: string;
  port: number;
  localAddress?: string;
  localPort?: number;
  family?: number;
}

/** Callbacks of one TCP/IP connect attempt; exactly one of `connect` and `error` runs. */
export interface IpConnectHandlers {
  lookup(err: Error | null, address: string, family: string | number, host: string): void;
  connect(conduit: Conduit): void;
  error(err: Error): void;
}

/** Addresses of a TCP/IP connection as node:net's `drop` event reports them. */
export interface IpEndpoints {
  localAddress?: string;
  localPort?: number;
  localFamily?: string;
  remoteAddress?: string;
  remotePort?: number;
  remoteFamily?: string;
}

/** A connection a TCP/IP listener accepted, for the switch to take or drop. */
export interface IpIncoming {
  readonly endpoints: IpEndpoints;
  /** Takes it: the connection as a conduit. */
  accept(): Conduit;
  /** Closes it at once (node:net's maxConnections). */
  drop(): void;
}

/** A TCP/IP listening socket (node:net's Server is one). */
export interface IpListener {
  listen(options: { port: number; host?: string; backlog: number }): unknown;
  address(): AddressInfo | string | null;
  close(cb?: () => void): unknown;
  ref(): unknown;
  unref(): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  once(event: 'listening', listener: () => void): unknown;
}

/**
 * The TCP/IP provider (WSD's TCP/IP service provider): every destination can be reached
 * through it, and every server listens on it first (LIS-1). The switch reaches it through
 * this interface alone, as it reaches SAN providers through SanProvider.
 */
export interface IpProvider {
  readonly id: string;
  readonly version: string;
  /** Starts a connect; node:net resolves names (happy eyeballs). Main thread only. */
  connect(options: IpConnectOptions, on: IpConnectHandlers): ConnectAttempt;
  /** A listener whose accepted connections reach `onConnection` (call `listen()` on it). */
  createListener(onConnection: (incoming: IpIncoming) => void): IpListener;
}

/** The error every operation a provider lacks throws: EOPNOTSUPP (INIT-4). */
export function notSupported(syscall: string): never {
  throw systemError('EOPNOTSUPP', { syscall });
}

/**
 * Start-up reference count for a provider (INIT-7): `acquire()` returns true on the first
 * start-up, `release()` true on the last clean-up, and a release without a start-up throws
 * `ERR_SANSWITCH_NOT_INITIALISED` (WSANOTINITIALISED).
 */
export class StartupRefcount {
  #count = 0;

  get count(): number {
    return this.#count;
  }

  acquire(): boolean {
    this.#count += 1;
    return this.#count === 1;
  }

  release(id: string): boolean {
    if (this.#count === 0) {
      throw libraryError(codes.NOT_INITIALISED, `provider ${id}: cleanup() without startup()`);
    }
    this.#count -= 1;
    return this.#count === 0;
  }
}
