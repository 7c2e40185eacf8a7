// The node:net-shaped factory functions: connect/createConnection and createServer.
import { Socket, type SocketOptions } from './socket.js';
import { Server, type ServerOptions } from './server.js';
import { normalizeConnectArgs, type ConnectOptions } from './args.js';

/**
 * Creates a Socket and connects it: `connect(options[, cb])` or `connect(port[, host][, cb])`.
 * `cb` listens for `connect`. Throws Node's argument errors synchronously.
 */
export function connect(options: ConnectOptions, cb?: () => void): Socket;
export function connect(port: number | string, host?: string, cb?: () => void): Socket;
export function connect(port: number | string, cb?: () => void): Socket;
export function connect(...args: unknown[]): Socket {
  const [options] = normalizeConnectArgs(args);
  const socketOptions: SocketOptions = {};
  for (const key of [
    'allowHalfOpen',
    'noDelay',
    'keepAlive',
    'keepAliveInitialDelay',
    'timeout',
  ] as const) {
    if (options[key] !== undefined) (socketOptions as Record<string, unknown>)[key] = options[key];
  }
  const socket = new Socket(socketOptions);
  return socket.connect(...args);
}

/** The same as `connect()`. */
export const createConnection = connect;

/** Creates a Server: `createServer([options][, connectionListener])`. */
export function createServer(
  options?: ServerOptions | ((socket: Socket) => void),
  connectionListener?: (socket: Socket) => void,
): Server {
  if (typeof options === 'function') return new Server({}, options);
  return new Server(options ?? {}, connectionListener);
}
