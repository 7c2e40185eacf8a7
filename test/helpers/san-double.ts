// TEST DOUBLE of a SAN provider: an in-process "fabric" that implements the SPI faithfully
// (backlog refusal LIS-6, condition before answering ACC-3/4, refusal ACC-6, CON-2 events)
// for what the real shm provider cannot be made to do here: serve another subnet, hang, fail
// to set up, or report any connect error. Everything else runs on shm (recording-provider.ts).
import type {
  ProbeResult,
  SanConnectRequest,
  SanEvents,
  SanProvider,
  SanSocket,
} from '../../src/providers/spi.js';
import { StartupRefcount } from '../../src/providers/spi.js';
import { noSanListener, systemError } from '../../src/errors.js';
import type { Conduit, EndpointInfo } from '../../src/types/conduit.js';
import { DoubleConduit } from './san-double-conduit.js';

/**
 * How the double answers connects: `fabric` looks for a listener, `hang` never answers, and
 * every other mode is the code of the error its connect event reports.
 */
export type ConnectMode =
  | 'fabric'
  | 'hang'
  | 'ETIMEDOUT'
  | 'ECONNREFUSED'
  | 'ECONNRESET'
  | 'EHOSTUNREACH'
  | 'ENETUNREACH'
  | 'ECONNABORTED'
  | 'ENOBUFS'
  | 'EPROTO';

interface Pending {
  connector: DoubleSocket;
  request: SanConnectRequest;
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

function info(address: string, port: number): EndpointInfo {
  return { address, port, family: address.includes(':') ? 'IPv6' : 'IPv4' };
}

/** A SAN provider double; every SPI call is recorded in `calls`. */
export class SanDouble implements SanProvider {
  readonly id: string;
  readonly version = '0.0.0-double';
  readonly capabilities = { rdmaRead: false };
  addresses: string[];
  available = true;
  reason: string | undefined;
  connectMode: ConnectMode = 'fabric';
  readonly refcount = new StartupRefcount();
  realCleanups = 0;
  acceptSignals = 0;
  readonly calls: string[] = [];
  readonly listeners = new Set<DoubleSocket>();
  readonly sockets = new Set<DoubleSocket>();

  constructor(id = 'double', addresses = ['127.0.0.1']) {
    this.id = id;
    this.addresses = addresses;
  }

  probe(): ProbeResult {
    this.calls.push('probe');
    return this.available ? { available: true } : { available: false, reason: this.reason };
  }

  startup(): void {
    this.calls.push('startup');
    this.refcount.acquire();
  }

  cleanup(): void {
    this.calls.push('cleanup');
    if (this.refcount.release(this.id)) this.realCleanups += 1;
  }

  addressList(): string[] {
    this.calls.push('addressList');
    return [...this.addresses];
  }

  socket(): DoubleSocket {
    this.calls.push('socket');
    const socket = new DoubleSocket(this);
    this.sockets.add(socket);
    return socket;
  }

  /** The listener a connect to address:port reaches, if any. */
  find(address: string, port: number): DoubleSocket | undefined {
    for (const l of this.listeners) {
      if (l.port === port && (WILDCARDS.has(l.address) || l.address === address)) return l;
    }
    return undefined;
  }
}

/** One socket of the double. */
export class DoubleSocket implements SanSocket {
  address = '';
  port = 0;
  state: 'new' | 'listening' | 'connecting' | 'connected' | 'closed' = 'new';
  readonly queue: Pending[] = [];
  #backlog = 0;
  #events: SanEvents = {};
  #conduit: Conduit | undefined;
  readonly #provider: SanDouble;

  constructor(provider: SanDouble) {
    this.#provider = provider;
  }

  #check(op: string): void {
    this.#provider.calls.push(op);
    if (this.state === 'closed') throw systemError('ENOTSOCK', { syscall: op });
  }

  bind(address: string, port: number): void {
    this.#check('bind');
    this.address = address;
    this.port = port;
  }

  listen(backlog: number): void {
    this.#check('listen');
    this.#backlog = Math.max(1, backlog);
    this.state = 'listening';
    this.#provider.listeners.add(this);
  }

  eventSelect(events: SanEvents): void {
    this.#check('eventSelect');
    this.#events = events;
  }

  connect(address: string, port: number): void {
    this.#check('connect');
    this.state = 'connecting';
    const mode = this.#provider.connectMode;
    if (mode === 'hang') return;
    if (mode !== 'fabric')
      return this.#complete(systemError(mode, { syscall: 'connect', address, port }));
    const listener = this.#provider.find(address, port);
    if (!listener) return this.#complete(noSanListener(address, port));
    listener.#enqueue(this, {
      remote: info('127.0.0.1', 40000 + this.#provider.sockets.size),
      local: info(address, port),
    });
  }

  #enqueue(connector: DoubleSocket, request: SanConnectRequest): void {
    if (this.queue.length >= this.#backlog) {
      // LIS-6: refuse at once and signal nothing.
      connector.#complete(systemError('ECONNREFUSED', { syscall: 'connect' }));
      return;
    }
    this.queue.push({ connector, request });
    this.#provider.acceptSignals += 1;
    setImmediate(() => this.#events.accept?.());
  }

  #complete(err: Error | null): void {
    if (this.state === 'closed') return;
    this.state = err ? 'new' : 'connected';
    this.#provider.calls.push(
      err ? `connect-event:${(err as { code?: string }).code}` : 'connect-event:ok',
    );
    setImmediate(() => this.#events.connect?.(err));
  }

  accept(condition: (request: SanConnectRequest) => boolean): SanSocket {
    this.#check('accept');
    let next = this.queue.shift();
    while (next && next.connector.state === 'closed') next = this.queue.shift();
    if (!next) throw systemError('EAGAIN', { syscall: 'accept' });
    const accepted = condition(next.request);
    this.#provider.calls.push(`condition:${accepted}`);
    if (!accepted) {
      next.connector.#complete(systemError('ECONNREFUSED', { syscall: 'connect' }));
      throw systemError('ECONNREFUSED', { syscall: 'accept' });
    }
    const [mine, theirs] = DoubleConduit.pair(next.request.local, next.request.remote);
    const socket = this.#provider.socket();
    socket.state = 'connected';
    socket.#conduit = mine;
    next.connector.#conduit = theirs;
    next.connector.#complete(null);
    return socket;
  }

  conduit(): Conduit {
    this.#check('conduit');
    if (!this.#conduit) throw systemError('ENOTCONN', { syscall: 'conduit' });
    return this.#conduit;
  }

  ref(): void {}
  unref(): void {}

  close(): void {
    this.#provider.calls.push('close');
    this.state = 'closed';
    this.#provider.listeners.delete(this);
    for (const { connector } of this.queue.splice(0)) {
      connector.#complete(systemError('ECONNREFUSED', { syscall: 'connect' }));
    }
  }
}
