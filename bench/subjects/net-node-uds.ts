// Subject `node-uds`: node:net over a Unix domain socket, the other transport Node already
// has for two processes on one host.
import { connect, createServer } from 'node:net';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NetEndpoint, NetSubject } from './net-subject.js';

/** node:net over a socket file in the temporary directory (removed when the server closes). */
export const nodeUds: NetSubject = {
  name: 'node-uds',
  transport: 'uds',
  async listen(onConnection) {
    const path = join(tmpdir(), `sanswitch-bench-${process.pid}-${randomBytes(4).toString('hex')}`);
    const server = createServer(onConnection);
    server.listen(path);
    await once(server, 'listening');
    return { endpoint: { path }, close: () => void server.close() };
  },
  async connect(endpoint: NetEndpoint) {
    if (!('path' in endpoint)) throw new Error('node-uds needs a socket path');
    const socket = connect(endpoint.path);
    await once(socket, 'connect');
    return { socket, transport: 'uds', fallbackReason: null };
  },
};
