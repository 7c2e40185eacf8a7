// The preload's client side: node:net's `connect`/`createConnection` (which http's
// `agent: false`, ws, undici and global fetch look up at call time) and http.Agent's own
// copy of createConnection are replaced by the switch's connect for connections in scope.
// IPC paths and out-of-scope destinations go to node:net's originals.
import net from 'node:net';
import http from 'node:http';
import { channel } from 'node:diagnostics_channel';
import { debuglog } from 'node:util';
import { connect as switchConnect } from '../net/api.js';
import { coversHost, coversPort, type PreloadScope } from './scope.js';

const debug = debuglog('sanswitch');
const clientSockets = channel('net.client.socket');

type Connect = (...args: unknown[]) => net.Socket;

/** Where node:net's argument forms point: an IPC path, or a TCP port and host. */
function target(args: unknown[]): { path?: unknown; port?: unknown; host?: unknown } {
  const first = args[0];
  if (first !== null && typeof first === 'object') {
    const options = first as { path?: unknown; port?: unknown; host?: unknown };
    return { path: options.path || undefined, port: options.port, host: options.host };
  }
  // node:net's isPipeName: a string that is not a number is a path.
  if (typeof first === 'string' && !/^\d+$/.test(first)) return { path: first };
  return { port: first, host: typeof args[1] === 'string' ? args[1] : undefined };
}

/** The replacement for net.connect; `original` is node:net's. */
function switchedConnect(scope: PreloadScope, original: Connect): Connect {
  return function connect(...args: unknown[]): net.Socket {
    const { path, port, host } = target(args);
    if (path !== undefined || !coversPort(scope, port) || !coversHost(scope, host)) {
      debug('preload: connect %s to node:net (out of scope)', path ?? `${host}:${port}`);
      return original(...args);
    }
    const socket = switchConnect(...(args as Parameters<typeof switchConnect>));
    if (clientSockets.hasSubscribers) clientSockets.publish({ socket });
    return socket as unknown as net.Socket;
  };
}

/**
 * Replaces node:net's connect and createConnection and http.Agent's createConnection (the
 * global agent inherits it). Main thread, once, at preload.
 */
export function patchClient(scope: PreloadScope): void {
  const connect = switchedConnect(scope, net.connect as unknown as Connect);
  net.connect = connect as typeof net.connect;
  net.createConnection = connect as typeof net.createConnection;
  // _http_agent.js took its own reference to net.createConnection when it loaded.
  (http.Agent.prototype as { createConnection: unknown }).createConnection = connect;
}
