// Subject `sanswitch-fabric`: sanswitch's public API between two processes over the fabric
// provider on loopback, through libfabric's tcp provider: a correctness path, slower than
// TCP by design (libfabric's tcp provider runs the RDMA API over kernel TCP), measured so
// that its cost is known, never as a target. The peer process keeps fabric alone registered,
// serving the loopback interface (SANSWITCH_FABRIC_LOOPBACK), so the connection cannot run
// over shm; the transport each connection really used is reported.
import { once } from 'node:events';
import { connect, createFabricProvider, createServer, registry } from '../../src/index.js';
import type { NetEndpoint, NetSubject } from './net-subject.js';

const HOST = '127.0.0.1';

let fabricOnly = false;

/** Leaves a loopback-serving fabric provider alone in this process's registry (once). */
function useFabricOnly(): void {
  if (fabricOnly) return;
  fabricOnly = true;
  for (const provider of registry.list()) registry.unregister(provider.id);
  registry.register(createFabricProvider({ loopback: true }));
}

/** sanswitch on 127.0.0.1 over fabric (libfabric's tcp provider). */
export const sanswitchFabric: NetSubject = {
  name: 'sanswitch-fabric',
  transport: 'fabric',
  async listen(onConnection) {
    useFabricOnly();
    const server = createServer(onConnection);
    server.listen(0, HOST);
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    return { endpoint: { host: HOST, port }, close: () => void server.close() };
  },
  async connect(endpoint: NetEndpoint, bufferBytes?: number) {
    if (!('port' in endpoint)) throw new Error('sanswitch-fabric needs a TCP-style endpoint');
    useFabricOnly();
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
