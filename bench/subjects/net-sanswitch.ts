// What the sanswitch subjects share: sanswitch's public API between two processes on
// 127.0.0.1, with the transport each connection really used reported, so that a run where
// the intended provider was unavailable is shown as what it was (TCP).
import { once } from 'node:events';
import { connect, createServer } from '../../src/index.js';
import type { NetEndpoint, NetSubject } from './net-subject.js';

const HOST = '127.0.0.1';

/**
 * A sanswitch subject called `name`, meant to run over `transport`. `prepare` runs in the
 * peer process before its first listen or connect (it may change the provider registry).
 */
export function sanswitchSubject(
  name: string,
  transport: string,
  prepare?: () => void,
): NetSubject {
  let prepared = false;
  const ready = (): void => {
    if (!prepared) prepare?.();
    prepared = true;
  };
  return {
    name,
    transport,
    async listen(onConnection) {
      ready();
      const server = createServer(onConnection);
      server.listen(0, HOST);
      await once(server, 'listening');
      const { port } = server.address() as { port: number };
      return { endpoint: { host: HOST, port }, close: () => void server.close() };
    },
    async connect(endpoint: NetEndpoint, bufferBytes?: number) {
      if (!('port' in endpoint)) throw new Error(`${name} needs a TCP-style endpoint`);
      ready();
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
}
