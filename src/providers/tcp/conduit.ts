// The TCP provider's conduit: adapts one connected node:net Socket (created with
// allowHalfOpen, so the switch's Socket decides about half-close) to the Conduit interface.
import { EventEmitter } from 'node:events';
import type { Socket as NetSocket } from 'node:net';
import type { Conduit, EndpointInfo } from '../../types/conduit.js';

function endpoint(address?: string, port?: number, family?: string): EndpointInfo | undefined {
  if (address === undefined || port === undefined) return undefined;
  return { address, port, family: family ?? (address.includes(':') ? 'IPv6' : 'IPv4') };
}

/** A Conduit over a connected net.Socket. Main thread only. */
export class TcpConduit extends EventEmitter implements Conduit {
  readonly #inner: NetSocket;

  constructor(inner: NetSocket) {
    super();
    this.#inner = inner;
    inner.pause();
    inner.on('data', (chunk: Buffer) => this.emit('data', chunk));
    inner.on('end', () => this.emit('end'));
    inner.on('error', (err) => this.emit('error', err));
    inner.on('close', () => this.emit('close'));
  }

  write(chunk: Buffer, cb: (err?: Error | null) => void): void {
    this.#inner.write(chunk, cb);
  }

  end(cb: () => void): void {
    this.#inner.end(cb);
  }

  destroy(): void {
    this.#inner.destroy();
  }

  resetAndDestroy(): void {
    this.#inner.resetAndDestroy();
  }

  pause(): void {
    this.#inner.pause();
  }

  resume(): void {
    this.#inner.resume();
  }

  setNoDelay(noDelay: boolean): void {
    this.#inner.setNoDelay(noDelay);
  }

  setKeepAlive(enable: boolean, initialDelayMs: number): void {
    this.#inner.setKeepAlive(enable, initialDelayMs);
  }

  ref(): void {
    this.#inner.ref();
  }

  unref(): void {
    this.#inner.unref();
  }

  get local(): EndpointInfo | undefined {
    const inner = this.#inner;
    return endpoint(inner.localAddress, inner.localPort, inner.localFamily);
  }

  get remote(): EndpointInfo | undefined {
    const inner = this.#inner;
    return endpoint(inner.remoteAddress, inner.remotePort, inner.remoteFamily);
  }
}
