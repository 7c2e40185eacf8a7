// The preload's client side: node:net's `connect`/`createConnection` (which http's
// `agent: false`, ws, undici and global fetch look up at call time) and http.Agent's own
// copy of createConnection are replaced by the switch's connect for connections in scope;
// https.Agent keeps doing TLS, over a switched socket. IPC paths and out-of-scope
// destinations go to node:net's originals.
import net from 'node:net';
import http from 'node:http';
import https from 'node:https';
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

type HttpsCreate = (this: https.Agent, ...args: unknown[]) => unknown;

/** https.Agent's own argument forms, `(port, host, options)` or `(options)`, as one object. */
function httpsOptions(args: unknown[]): Record<string, unknown> {
  const [port, host, options] = args;
  if (port !== null && typeof port === 'object') return { ...(port as object) };
  const merged: Record<string, unknown> =
    host !== null && typeof host === 'object' ? { ...(host as object) } : { ...(options ?? {}) };
  if (typeof port === 'number') merged.port = port;
  if (typeof host === 'string') merged.host = host;
  return merged;
}

/**
 * https.Agent's createConnection with the TLS session over a switched socket: node's own
 * (`original`) still does the TLS part, session cache and servername included, over the
 * socket it is given.
 */
function switchedHttps(scope: PreloadScope, connect: Connect, original: HttpsCreate): HttpsCreate {
  return function createConnection(this: https.Agent, ...args: unknown[]): unknown {
    const options = httpsOptions(args);
    const { host, port, path } = options;
    if (options.socket || path || !coversPort(scope, port) || !coversHost(scope, host)) {
      return original.apply(this, args);
    }
    const { localAddress, localPort, family, signal } = options;
    const socket = connect({ host, port, localAddress, localPort, family, signal });
    return original.call(this, { ...options, socket });
  };
}

/**
 * Replaces node:net's connect and createConnection, http.Agent's createConnection (the
 * global agent inherits it) and https.Agent's. Main thread, once, at preload.
 */
export function patchClient(scope: PreloadScope): void {
  const connect = switchedConnect(scope, net.connect as unknown as Connect);
  net.connect = connect as typeof net.connect;
  net.createConnection = connect as typeof net.createConnection;
  // _http_agent.js took its own reference to net.createConnection when it loaded.
  (http.Agent.prototype as { createConnection: unknown }).createConnection = connect;
  const agent = https.Agent.prototype as unknown as { createConnection: HttpsCreate };
  agent.createConnection = switchedHttps(scope, connect, agent.createConnection);
}
