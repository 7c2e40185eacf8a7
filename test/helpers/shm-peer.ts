// The other process of the shm provider tests (`shm-peer.ts <role> [json options]`). Each
// role prints one JSON line when ready ({port} or {done}), then more lines as it goes.
// Roles: echo-server (sanswitch; options backlog, blockMs, maxConnections, refuseAll,
// fillMemory: no room left for a segment, report: one line per connection, host: the
// address to listen on, default 127.0.0.1),
// plain-server (node:net echo), dial (sanswitch or node:net with `plain`: connects to
// options host and port, prints its transport and the echo of one line, exits), send-exit
// (connects, prints its transport, writes `bytes` bytes of `seed`, ends and leaves the event
// loop to empty: everything must still arrive), sink (sanswitch or node:net: sha256 of what it receives,
// sent back at end), silent-server (sanswitch; accepts and never reads), hostile (connects
// over shm by hand and scribbles over the segment). Option `only` (`shm` or `fabric`) leaves
// that SAN provider alone registered, so that the shared SAN suite (san-suite.ts) runs the
// same servers over each.
import { createHash } from 'node:crypto';
import net from 'node:net';
import { connect, createServer, registry, type Server } from '../../src/index.js';
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
  only?: string;
  host?: string;
  bytes?: number;
}

const role = process.argv[2] ?? '';
const options = JSON.parse(process.argv[3] ?? '{}') as Options;
if (options.only) {
  for (const provider of registry.list())
    if (provider.id !== options.only) registry.unregister(provider.id);
}

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
  const host = options.host ?? '127.0.0.1';
  server.listen({ port: options.port ?? 0, host, backlog: options.backlog }, () => {
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

function dial(): void {
  const target = { port: options.port ?? 0, host: options.host ?? '127.0.0.1' };
  const socket = options.plain ? net.connect(target) : connect(target);
  socket.once('connect', () => {
    const { transport = 'tcp', fallbackReason = null } = socket as net.Socket & {
      transport?: string;
      fallbackReason?: string | null;
    };
    socket.once('data', (chunk: Buffer) => {
      say({ transport, fallbackReason, echo: String(chunk) });
      socket.destroy();
    });
    socket.write(`hello from ${process.pid}`);
  });
  socket.once('error', (err: Error & { code?: string }) => say({ error: err.code ?? err.message }));
}

function sendAndExit(): void {
  const socket = connect({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  socket.once('connect', () => {
    say({ transport: socket.transport });
    const payload = Buffer.alloc(options.bytes ?? 0, options.seed ?? 1);
    socket.end(payload);
  });
}

function silentServer(): void {
  const server = createServer(() => {});
  server.listen(0, '127.0.0.1', () => say({ port: (server.address() as net.AddressInfo).port }));
}

if (role === 'echo-server') echoServer();
else if (role === 'silent-server') silentServer();
else if (role === 'plain-server') plainServer();
else if (role === 'sink') sink();
else if (role === 'dial') dial();
else if (role === 'send-exit') sendAndExit();
else if (role === 'hostile') void scribble(options.port ?? 0, options.seed ?? 1).then(say);
else throw new Error(`unknown role ${role}`);
