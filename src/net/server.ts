// The application's server, shaped like node:net's Server: one listener that serves plain TCP
// clients and SAN clients at once, with `maxConnections` and an `acceptFilter` that refuse SAN
// requests before they are answered (ACC-6).
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Conduit } from '../types/conduit.js';
import { Socket, kEstablish, type SocketOptions } from './socket.js';
import { normalizeListenArgs } from './args.js';
import { invalidArgType, serverState } from '../errors.js';
import { SwitchListener } from '../switch/listen.js';
import type { AcceptInfo } from '../switch/accept.js';
import type { FallbackReason } from '../types/switch-socket.js';

/** Options of `createServer()`. */
export interface ServerOptions {
  /** Accepted sockets keep their writable side open after the peer's FIN. Default false. */
  allowHalfOpen?: boolean;
  /** Accepted sockets start paused. Default false. */
  pauseOnConnect?: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
  /** Milliseconds. */
  keepAliveInitialDelay?: number;
  /**
   * Decides whether a SAN connection request is accepted; runs before the peer is answered,
   * and a refused peer gets ECONNREFUSED (ACC-2..6). Plain TCP connections do not pass here.
   */
  acceptFilter?: (info: AcceptInfo) => boolean;
}

/**
 * A stream server. Events: `listening`, `connection` (socket), `close`, `error`, `drop`
 * (a TCP connection closed because `maxConnections` was reached). Main thread only.
 */
export class Server extends EventEmitter {
  /** Above this many open connections, new ones are refused (SAN) or closed (TCP). */
  maxConnections = Infinity;
  readonly #options: ServerOptions;
  readonly #connections = new Set<Socket>();
  #listener: SwitchListener | undefined;
  #listenerClosed = true;
  #refed = true;

  constructor(options: ServerOptions = {}, connectionListener?: (socket: Socket) => void) {
    super();
    if (typeof options !== 'object' || options === null) {
      throw invalidArgType('options', 'of type object', options);
    }
    const filter = options.acceptFilter;
    if (filter !== undefined && typeof filter !== 'function') {
      throw invalidArgType('options.acceptFilter', 'of type function', filter);
    }
    this.#options = options;
    if (connectionListener) this.on('connection', connectionListener);
  }

  /** `listen(port[, host][, backlog][, cb])`, `listen({ port, host, backlog }[, cb])`. */
  listen(...args: unknown[]): this {
    const [request, cb] = normalizeListenArgs(args);
    if (this.#listener) throw serverState('ERR_SERVER_ALREADY_LISTEN');
    if (cb) this.once('listening', cb);
    const listener = new SwitchListener(request, {
      listening: () => this.emit('listening'),
      error: (err) => this.#onListenError(err),
      condition: (info) => this.#admits(info),
      admitsTcp: () => this.#connections.size < this.maxConnections,
      drop: (info) => this.emit('drop', info),
      connection: (conduit, transport, reason) => this.#add(conduit, transport, reason),
    });
    this.#listener = listener;
    this.#listenerClosed = false;
    if (!this.#refed) listener.unref();
    listener.start();
    return this;
  }

  /** True while listening. */
  get listening(): boolean {
    return this.#listener?.address() != null;
  }

  /** The bound address, as node:net reports it; null when not listening. */
  address(): AddressInfo | null {
    return this.#listener?.address() ?? null;
  }

  /** The providers this server listens on, TCP first (e.g. `['tcp', 'shm']`). */
  transports(): string[] {
    return this.#listener?.transports() ?? [];
  }

  /** Stops accepting; `close` is emitted once every connection has closed too. */
  close(cb?: (err?: Error) => void): this {
    if (cb) {
      if (this.#listener) this.once('close', cb);
      else this.once('close', () => cb(serverState('ERR_SERVER_NOT_RUNNING')));
    }
    const listener = this.#listener;
    this.#listener = undefined;
    if (listener) listener.close(() => this.#onListenerClosed());
    else process.nextTick(() => this.#emitCloseIfDrained());
    return this;
  }

  /** Calls back with the number of open connections (TCP and SAN). */
  getConnections(cb: (err: Error | null, count: number) => void): this {
    const count = this.#connections.size;
    process.nextTick(() => cb(null, count));
    return this;
  }

  ref(): this {
    this.#refed = true;
    this.#listener?.ref();
    return this;
  }

  unref(): this {
    this.#refed = false;
    this.#listener?.unref();
    return this;
  }

  #onListenError(err: Error): void {
    if (!this.listening) {
      this.#listener = undefined;
      this.#listenerClosed = true;
    }
    this.emit('error', err);
  }

  #onListenerClosed(): void {
    this.#listenerClosed = true;
    this.#emitCloseIfDrained();
  }

  #emitCloseIfDrained(): void {
    if (this.#listenerClosed && this.#connections.size === 0) this.emit('close');
  }

  #admits(info: AcceptInfo): boolean {
    if (this.#connections.size >= this.maxConnections) return false;
    return this.#options.acceptFilter ? this.#options.acceptFilter(info) : true;
  }

  #add(conduit: Conduit, transport: string, reason: FallbackReason | null): void {
    const { allowHalfOpen, noDelay, keepAlive, keepAliveInitialDelay } = this.#options;
    const options: SocketOptions = { allowHalfOpen, noDelay, keepAlive, keepAliveInitialDelay };
    const socket = new Socket(options);
    socket[kEstablish](conduit, transport, reason, false);
    if (this.#options.pauseOnConnect) socket.pause();
    this.#connections.add(socket);
    socket.once('close', () => {
      this.#connections.delete(socket);
      this.#emitCloseIfDrained();
    });
    this.emit('connection', socket);
  }
}
