// The TCP/IP provider over node:net: the path every connection can take, and the one that
// listens first for every server (LIS-1). It is not a SAN provider and is never registered:
// the registry holds it as its IP provider, and the switch reaches it through IpProvider.
import net, { type Socket as NetSocket } from 'node:net';
import { TcpConduit } from './conduit.js';
import type {
  IpConnectHandlers,
  IpConnectOptions,
  IpIncoming,
  IpListener,
  IpProvider,
} from '../spi.js';
import type { ConnectAttempt } from '../../types/switch-socket.js';
import { kOwnServer } from '../../types/own-server.js';

// node:net's own functions, taken as this module loads, before the preload (sanswitch/register)
// replaces the exports: calling the replaced ones from here would recurse.
const NetSocketClass = net.Socket;
const netCreateServer = net.createServer;

/** The TCP provider's id, as `socket.transport` shows it. */
const TCP_PROVIDER_ID = 'tcp';

function connect(options: IpConnectOptions, on: IpConnectHandlers): ConnectAttempt {
  // A Socket connected directly, not net.connect(): the app's socket is the switch's, and only
  // it is announced on node:net's `net.client.socket` channel.
  const inner: NetSocket = new NetSocketClass({ allowHalfOpen: true }).connect(options);
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

function incoming(inner: NetSocket): IpIncoming {
  const { localAddress, localPort, localFamily, remoteAddress, remotePort } = inner;
  return {
    endpoints: {
      localAddress,
      localPort,
      localFamily,
      remoteAddress,
      remotePort,
      remoteFamily: inner.remoteFamily,
    },
    accept: () => new TcpConduit(inner),
    drop: () => inner.destroy(),
  };
}

/**
 * A node:net server for the switch: half-open allowed and accepted sockets paused, so that
 * the switch's Socket, not node:net, decides both.
 */
function createListener(onConnection: (incoming: IpIncoming) => void): IpListener {
  const server = netCreateServer({ allowHalfOpen: true, pauseOnConnect: true }, (inner) =>
    onConnection(incoming(inner)),
  );
  Object.defineProperty(server, kOwnServer, { value: true });
  return server;
}

/** The process's TCP/IP provider. Main thread only. */
export const tcpProvider: IpProvider = {
  id: TCP_PROVIDER_ID,
  version: process.versions.node,
  connect,
  createListener,
};
