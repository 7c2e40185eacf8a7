// The two socket APIs the soak runs on, behind one shape: sanswitch's public API (src/index.ts)
// for `shm`, plain node:net for `tcp` (where the checker must pass: it checks the checker).
// sanswitch is only loaded for shm, so that a tcp run depends on nothing of it.
import * as nodeNet from 'node:net';
import type { Duplex } from 'node:stream';
import type { TransportName } from './messages.js';

/** A connected socket of either API; the awaitable calls exist on sanswitch's only. */
export type SoakSocket = Duplex & {
  readonly transport?: string | null;
  resetAndDestroy(): unknown;
  send?(data: Buffer): Promise<number>;
  recv?(target: Buffer | number): Promise<Buffer | null>;
  allocBuffer?(size: number): Buffer;
};

/** One API. Every socket it makes is half-open capable: each direction ends on its own. */
export interface SoakNet {
  /** Listens on 127.0.0.1 (a port of the system's choice); resolves with the port. */
  listen(onConnection: (socket: SoakSocket) => void): Promise<number>;
  connect(port: number, sanBufferBytes: number | undefined): SoakSocket;
  /** The provider carrying `socket`: sanswitch's `transport`, or 'tcp' for node:net. */
  transportOf(socket: SoakSocket): string;
}

interface ServerLike {
  listen(options: { port: number; host: string }, cb: () => void): unknown;
  address(): nodeNet.AddressInfo | string | null;
  once(event: 'error', listener: (err: Error) => void): unknown;
}

const HOST = '127.0.0.1';

// The server lives as long as its process: the soak never closes one, it kills or retires it.
function listenOn(server: ServerLike): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: HOST }, () => {
      resolve((server.address() as nodeNet.AddressInfo).port);
    });
  });
}

/** The API for `name`. */
export async function loadNet(name: TransportName): Promise<SoakNet> {
  if (name === 'tcp') {
    return {
      listen: (onConnection) =>
        listenOn(nodeNet.createServer({ allowHalfOpen: true }, onConnection)),
      connect: (port) => nodeNet.connect({ port, host: HOST, allowHalfOpen: true }),
      transportOf: () => 'tcp',
    };
  }
  const san = await import('../../src/index.js');
  if (name === 'fabric') {
    // fabric alone, on loopback: every sanswitch leg of the soak must run over it.
    for (const provider of san.registry.list()) san.registry.unregister(provider.id);
    san.registry.register(san.createFabricProvider({ loopback: true }));
  }
  return {
    listen: (onConnection) => listenOn(san.createServer({ allowHalfOpen: true }, onConnection)),
    connect: (port, sanBufferBytes) =>
      san.connect({ port, host: HOST, allowHalfOpen: true, sanBufferBytes }),
    transportOf: (socket) => String(socket.transport),
  };
}
