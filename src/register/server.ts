// The preload's server side. Every node:net server (net.createServer, http, https, tls and
// the frameworks on top) listens through net.Server.prototype.listen; the preload replaces
// it and the methods that read a listening handle (address, close, listening, getConnections,
// ref, unref). A server in scope gets a switch Server behind it (its "facade" target),
// listening on TCP and SAN at once, whose connections the app's server emits as its own;
// the package's own TCP listeners (kOwnServer), node:cluster's own, IPC paths and handles
// stay on node:net.
import net from 'node:net';
import { channel } from 'node:diagnostics_channel';
import { debuglog } from 'node:util';
import { createServer as switchServer } from '../net/api.js';
import type { Server } from '../net/server.js';
import { kOwnServer } from '../types/own-server.js';
import { coversPort, type PreloadScope } from './scope.js';

const debug = debuglog('sanswitch');
const serverSockets = channel('net.server.socket');
const kSwitched = Symbol('sanswitch.switchedServer');

/** A node:net server as the preload sees it: node's own fields it reads, and its target. */
interface AppServer extends net.Server {
  [kOwnServer]?: boolean;
  [kSwitched]?: Server;
  allowHalfOpen?: boolean;
  pauseOnConnect?: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
  /** Seconds, as net.Server stores it. */
  keepAliveInitialDelay?: number;
  _unref?: boolean;
}

type Method = (this: AppServer, ...args: unknown[]) => unknown;

/**
 * Whether listen() was called by Node itself: node:cluster's primary listens for its workers
 * (round-robin) through a net.Server of its own and then takes its native handle.
 */
function calledByNode(): boolean {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 4;
  Error.captureStackTrace(holder, calledByNode);
  Error.stackTraceLimit = limit;
  return holder.stack?.includes('node:internal/cluster/') ?? false;
}

/** The port a listen() call asks for, or undefined for an IPC path, handle or fd. */
function listenPort(args: unknown[]): number | undefined {
  const first = args[0];
  if (first !== null && typeof first === 'object') {
    const options = first as { port?: unknown; path?: unknown; handle?: unknown; fd?: unknown };
    if (options.path || options.handle || options.fd !== undefined || 'listen' in options) {
      return undefined;
    }
    return Number(options.port ?? 0);
  }
  if (typeof first === 'string' && !/^\d+$/.test(first)) return undefined;
  if (typeof first === 'function' || first === undefined || first === null) return 0;
  return Number(first);
}

/** Builds the switch Server behind `app` and wires its events to `app`'s. */
function target(app: AppServer): Server {
  const inner = switchServer({
    allowHalfOpen: app.allowHalfOpen,
    pauseOnConnect: app.pauseOnConnect,
    noDelay: app.noDelay,
    keepAlive: app.keepAlive,
    keepAliveInitialDelay: (app.keepAliveInitialDelay ?? 0) * 1000,
  });
  // The app sets maxConnections on its own server, at any time.
  Object.defineProperty(inner, 'maxConnections', {
    get: () => app.maxConnections ?? Infinity,
    set: () => {},
  });
  inner.on('connection', (socket) => {
    (socket as unknown as { server: net.Server }).server = app;
    if (serverSockets.hasSubscribers) serverSockets.publish({ socket });
    app.emit('connection', socket);
  });
  inner.on('listening', () => app.emit('listening'));
  inner.on('error', (err) => {
    if (!inner.listening && app[kSwitched] === inner) delete app[kSwitched];
    app.emit('error', err);
  });
  inner.on('drop', (info) => app.emit('drop', info));
  inner.once('close', () => {
    if (app[kSwitched] === inner) delete app[kSwitched];
    app.emit('close');
  });
  if (app._unref) inner.unref();
  return inner;
}

/**
 * Replaces the listening half of net.Server.prototype. Main thread, once, at preload; node's
 * originals remain what the package's own listeners and out-of-scope servers run.
 */
export function patchServer(scope: PreloadScope): void {
  const proto = net.Server.prototype as unknown as Record<string, Method>;
  const original = {
    listen: proto.listen as Method,
    address: proto.address as Method,
    close: proto.close as Method,
    getConnections: proto.getConnections as Method,
    ref: proto.ref as Method,
    unref: proto.unref as Method,
  };
  const listening = Object.getOwnPropertyDescriptor(net.Server.prototype, 'listening');

  proto.listen = function listen(...args) {
    const port = listenPort(args);
    if (this[kOwnServer] || port === undefined || !coversPort(scope, port) || calledByNode()) {
      if (!this[kOwnServer]) debug('preload: listen %s on node:net (out of scope)', port ?? 'ipc');
      return original.listen.apply(this, args);
    }
    const cb = typeof args[args.length - 1] === 'function' ? args.pop() : undefined;
    if (typeof cb === 'function') this.once('listening', cb as () => void);
    const inner = this[kSwitched] ?? target(this);
    this[kSwitched] = inner;
    inner.listen(...args);
    return this;
  };
  proto.address = function address(...args) {
    const inner = this[kSwitched];
    return inner ? inner.address() : original.address.apply(this, args);
  };
  proto.close = function close(...args) {
    const inner = this[kSwitched];
    if (!inner) return original.close.apply(this, args);
    const cb = args[0];
    if (typeof cb === 'function') this.once('close', cb as () => void);
    inner.close();
    return this;
  };
  proto.getConnections = function getConnections(...args) {
    const inner = this[kSwitched];
    if (!inner) return original.getConnections.apply(this, args);
    inner.getConnections(args[0] as (err: Error | null, count: number) => void);
    return this;
  };
  proto.ref = function ref(...args) {
    this[kSwitched]?.ref();
    return original.ref.apply(this, args);
  };
  proto.unref = function unref(...args) {
    this[kSwitched]?.unref();
    return original.unref.apply(this, args);
  };
  if (listening?.get) {
    const get = listening.get;
    Object.defineProperty(net.Server.prototype, 'listening', {
      ...listening,
      get(this: AppServer) {
        const inner = this[kSwitched];
        return inner ? inner.listening : get.call(this);
      },
    });
  }
}
