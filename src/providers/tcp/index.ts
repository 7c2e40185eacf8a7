// The TCP/IP provider over node:net: the path every connection can take, and the one that
// listens first for every server (LIS-1). It is not a SAN provider and is never registered.
import { connect as netConnect, createServer as netCreateServer } from 'node:net';
import type { Server as NetServer, Socket as NetSocket } from 'node:net';
import { TcpConduit } from './conduit.js';
import type { ConnectAttempt } from '../../types/switch-socket.js';

export { TcpConduit };

/** The TCP provider's id, as `socket.transport` shows it. */
export const TCP_PROVIDER_ID = 'tcp';

/** Where and how to connect over TCP. */
export interface TcpConnectOptions {
  host: string;
  port: number;
  localAddress?: string;
  localPort?: number;
  family?: number;
}

/** Callbacks of one TCP connect attempt; exactly one of `connect` and `error` runs. */
export interface TcpConnectHandlers {
  lookup(err: Error | null, address: string, family: string | number, host: string): void;
  connect(conduit: TcpConduit): void;
  error(err: Error): void;
}

/** Starts a TCP connect. Main thread only; node:net resolves names (happy eyeballs). */
export function tcpConnect(options: TcpConnectOptions, on: TcpConnectHandlers): ConnectAttempt {
  const inner: NetSocket = netConnect({ ...options, allowHalfOpen: true });
  let settled = false;
  const onError = (err: Error): void => {
    if (settled) return;
    settled = true;
    on.error(err);
  };
  inner.on('lookup', on.lookup);
  inner.once('error', onError);
  inner.once('connect', () => {
    settled = true;
    inner.off('error', onError);
    inner.off('lookup', on.lookup);
    on.connect(new TcpConduit(inner));
  });
  return {
    abort: () => {
      settled = true;
      inner.destroy();
    },
    ref: () => inner.ref(),
    unref: () => inner.unref(),
  };
}

/**
 * A node:net server for the switch: half-open allowed and accepted sockets paused, so that
 * the switch's Socket, not node:net, decides both. Call `listen()` on it.
 */
export function createTcpListener(onConnection: (inner: NetSocket) => void): NetServer {
  return netCreateServer({ allowHalfOpen: true, pauseOnConnect: true }, onConnection);
}
