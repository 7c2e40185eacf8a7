// Subject `sanswitch-shm`: sanswitch's public API between two processes on one host, which
// should carry the connection over shared memory. The transport each connection really used
// is reported, so that a run where shm was unavailable is shown as what it was (TCP).
import { once } from 'node:events';
import { connect, createServer } from '../../src/index.js';
import type { NetEndpoint, NetSubject } from './net-subject.js';

const HOST = '127.0.0.1';

/** sanswitch on 127.0.0.1 (listening on TCP and every SAN provider serving loopback). */
export const sanswitchShm: NetSubject = {
  name: 'sanswitch-shm',
  transport: 'shm',
  async listen(onConnection) {
    const server = createServer(onConnection);
    server.listen(0, HOST);
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    return { endpoint: { host: HOST, port }, close: () => void server.close() };
  },
  async connect(endpoint: NetEndpoint, bufferBytes?: number) {
    if (!('port' in endpoint)) throw new Error('sanswitch-shm needs a TCP-style endpoint');
    // Room for a registered buffer beside the staging of plain writes.
    const sanBufferBytes = bufferBytes ? Math.max(bufferBytes * 2, 256 * 1024) : undefined;
    const socket = connect({ port: endpoint.port, host: endpoint.host, sanBufferBytes });
    await once(socket, 'connect');
    return {
      socket,
      transport: socket.transport ?? 'unknown',
      fallbackReason: socket.fallbackReason,
    };
  },
};
