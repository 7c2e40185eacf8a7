// The other process of the shm provider tests (`shm-peer.ts <role> [json options]`). Each
// role prints one JSON line when ready ({port} or {done}), then more lines as it goes.
// Roles: echo-server (sanswitch; options backlog, blockMs, maxConnections, refuseAll,
// fillMemory: no room left for a segment, report: one line per connection),
// plain-server (node:net echo), sink (sanswitch or node:net: sha256 of what it receives,
// sent back at end), silent-server (sanswitch; accepts and never reads), hostile (connects
// over shm by hand and scribbles over the segment).
import { createHash } from 'node:crypto';
import net from 'node:net';
import { createServer, type Server } from '../../src/index.js';
import { scribble } from './shm-hostile.js';
import { busy } from './peer-basics.js';
import { processCore } from '../../src/wasm/process-core.js';

/** Takes every region the process's WASM memory can still give, largest pieces first. */
function fillMemory(): void {
  for (let bytes = 64 << 20; bytes >= 4096; bytes /= 2) {
    try {
      for (;;) processCore().allocRegion(bytes);
    } catch {
      // ENOBUFS at this size: go on with smaller pieces.
    }
  }
}

// Whatever happens to the parent, this process goes away.
setTimeout(() => process.exit(3), 60_000).unref();

interface Options {
  backlog?: number;
  blockMs?: number;
  maxConnections?: number;
  refuseAll?: boolean;
  fillMemory?: boolean;
  report?: boolean;
  plain?: boolean;
  port?: number;
  seed?: number;
}

const role = process.argv[2] ?? '';
const options = JSON.parse(process.argv[3] ?? '{}') as Options;

function say(message: object): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

function echoServer(): void {
  let connections = 0;
  const server: Server = createServer(
    { acceptFilter: options.refuseAll ? () => false : undefined },
    (socket) => {
      connections += 1;
      if (options.report)
        say({ transport: socket.transport, fallbackReason: socket.fallbackReason });
      socket.on('error', () => {});
      socket.pipe(socket);
    },
  );
  if (options.maxConnections !== undefined) server.maxConnections = options.maxConnections;
  if (options.fillMemory) fillMemory();
  server.listen({ port: 0, host: '127.0.0.1', backlog: options.backlog }, () => {
    const { port } = server.address() as net.AddressInfo;
    say({ port, transports: server.transports(), pid: process.pid });
    if (options.blockMs) {
      // LIS-6: the event loop is busy; only the kernel can refuse beyond the backlog.
      busy(options.blockMs);
      setTimeout(() => say({ connections }), 500);
    }
  });
}

function plainServer(): void {
  const server = net.createServer((socket) => socket.pipe(socket));
  server.listen(0, '127.0.0.1', () => say({ port: (server.address() as net.AddressInfo).port }));
}

function sink(): void {
  const onSocket = (socket: net.Socket): void => {
    const hash = createHash('sha256');
    let bytes = 0;
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      hash.update(chunk);
    });
    socket.on('end', () => socket.end(JSON.stringify({ bytes, sha256: hash.digest('hex') })));
  };
  const server = options.plain
    ? net.createServer({ allowHalfOpen: true }, onSocket)
    : createServer({ allowHalfOpen: true }, onSocket as never);
  server.listen(0, '127.0.0.1', () => say({ port: (server.address() as net.AddressInfo).port }));
}

function silentServer(): void {
  const server = createServer(() => {});
  server.listen(0, '127.0.0.1', () => say({ port: (server.address() as net.AddressInfo).port }));
}

if (role === 'echo-server') echoServer();
else if (role === 'silent-server') silentServer();
else if (role === 'plain-server') plainServer();
else if (role === 'sink') sink();
else if (role === 'hostile') void scribble(options.port ?? 0, options.seed ?? 1).then(say);
else throw new Error(`unknown role ${role}`);
