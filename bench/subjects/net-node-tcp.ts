// Subject `node-tcp`: node:net over TCP loopback, the baseline every net-* ratio divides by.
import { connect, createServer } from 'node:net';
import { once } from 'node:events';
import type { NetEndpoint, NetSubject } from './net-subject.js';

const HOST = '127.0.0.1';

/** node:net, TCP on 127.0.0.1, default socket options. */
export const nodeTcp: NetSubject = {
  name: 'node-tcp',
  transport: 'tcp',
  async listen(onConnection) {
    const server = createServer(onConnection);
    server.listen(0, HOST);
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    return { endpoint: { host: HOST, port }, close: () => void server.close() };
  },
  async connect(endpoint: NetEndpoint) {
    if (!('port' in endpoint)) throw new Error('node-tcp needs a TCP endpoint');
    const socket = connect(endpoint.port, endpoint.host);
    await once(socket, 'connect');
    return { socket, transport: 'tcp', fallbackReason: null };
  },
};
