// The byte stream of one established connection, whatever carries it. Socket runs over this
// interface only, so it holds no transport-specific code: the TCP provider adapts a net.Socket,
// a SAN provider builds one from its session protocol.
import type { EventEmitter } from 'node:events';
import type { RegisteredBuffers } from '../buffers/registered-buffers.js';

/** Addresses of one end of a connection, as node:net reports them. */
export interface EndpointInfo {
  address: string;
  port: number;
  /** `'IPv4'` or `'IPv6'`. */
  family: string;
}

/**
 * One established, full-duplex byte stream. Events, all on the main thread:
 * - `data` (chunk: Buffer): bytes from the peer; stops after `pause()` until `resume()`.
 * - `end`: the peer ended its sending half (FIN); no more `data`.
 * - `error` (err): the connection failed (e.g. ECONNRESET); `close` follows.
 * - `close`: the conduit is gone; nothing more is emitted.
 *
 * A conduit starts paused: it emits no `data` until the first `resume()`.
 * After `destroy()` or `resetAndDestroy()` it emits only `close`.
 */
export interface Conduit extends EventEmitter {
  /** Queues `chunk` for the peer; `cb` runs once the conduit no longer needs the buffer. */
  write(chunk: Buffer, cb: (err?: Error | null) => void): void;
  /** Ends the sending half gracefully (FIN after queued data); `cb` runs once it is sent. */
  end(cb: () => void): void;
  /** Closes both halves now; queued data may be lost. The peer sees an orderly close. */
  destroy(): void;
  /** Aborts the connection: the peer sees ECONNRESET (TCP RST / SAN reset). */
  resetAndDestroy(): void;
  /** Stops `data` events (receive-side backpressure) until `resume()`. */
  pause(): void;
  resume(): void;
  /** TCP_NODELAY; a SAN conduit may ignore it (it has no Nagle delay). */
  setNoDelay(noDelay: boolean): void;
  /** SO_KEEPALIVE with the initial delay in milliseconds; a SAN conduit may ignore it. */
  setKeepAlive(enable: boolean, initialDelayMs: number): void;
  /** Whether the conduit keeps the event loop alive (default: it does). */
  ref(): void;
  unref(): void;
  /**
   * Optional (SAN conduits): cancels the earlier `write` of `chunk` (BLK-4/5). `dropped`:
   * nothing more of it is read and its callback runs with `err`; `rdma`: the peer's RDMA of
   * this registered memory is outstanding and the callback runs when it ends; `none`: not
   * held (already written). Without it, the switch aborts the connection to drop data.
   */
  cancelWrite?(chunk: Buffer, err: Error): 'dropped' | 'rdma' | 'none';
  /**
   * Optional (SAN conduits): the next stream bytes may land straight in `target` (from its
   * start); they then arrive as a `data` chunk that is a view of `target`. One target at a
   * time, used once; undefined withdraws it. The caller must not touch `target` meanwhile.
   */
  postReceive?(target: Buffer | undefined): void;
  /** Optional (SAN conduits): memory registered with this connection (MEM, CACHE). */
  readonly buffers?: RegisteredBuffers;
  /** This end's address, or undefined when the transport cannot say. */
  readonly local: EndpointInfo | undefined;
  /** The peer's address, or undefined when the transport cannot say. */
  readonly remote: EndpointInfo | undefined;
}
