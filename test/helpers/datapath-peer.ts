// The other process of shm-datapath.test.ts, forked and driven over its IPC channel: a
// sanswitch process whose listeners serve each connection in one mode (echo, proxy, idle,
// read, greet), which can also connect out, and whose connections (named by id) can send,
// resume reading, run send()/recv() both ways, end and exit at once, or forge a cursor.
// Protocol: see PeerRequest and PeerEvent in datapath-process.ts.
import { createHash, type Hash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type Server, type Socket } from '../../src/index.js';
import { pattern } from './blk-pair.js';
import { resourceCounts } from './blk-shm-process.js';
import { forgeConsumerCursor } from './datapath-hostile.js';
import { busy, say } from './peer-basics.js';

// Whatever happens to the parent, this process goes away.
setTimeout(() => process.exit(3), 60_000).unref();
process.on('disconnect', () => process.exit(0));

/** How a connection is served: see PeerRequest in datapath-process.ts. */
type Mode = 'echo' | 'proxy' | 'idle' | 'read' | 'greet';

interface Connection {
  id: number;
  socket: Socket;
  accepted: boolean;
  bytes: number;
  hash: Hash;
  reading: boolean;
}

type Request = { seq: number; op: string } & Record<string, unknown>;

const connections = new Map<number, Connection>();
const servers = new Map<number, Server>();
let nextId = 0;

/** How long a forging process keeps its event loop busy after the forgery, in ms. */
const FORGE_HOLD_MS = 1000;

function read(connection: Connection): void {
  if (!connection.reading) {
    connection.reading = true;
    connection.socket.on('data', (chunk: Buffer) => {
      connection.bytes += chunk.length;
      connection.hash.update(chunk);
    });
  }
  connection.socket.resume();
}

/** Tracks `socket` and serves it in `mode`; an accepted one says `connection` once ready. */
function serve(socket: Socket, mode: Mode, accepted: boolean, target?: number): Connection {
  const id = ++nextId;
  const connection: Connection = {
    id,
    socket,
    accepted,
    bytes: 0,
    hash: createHash('sha256'),
    reading: false,
  };
  connections.set(id, connection);
  socket.on('end', () => {
    say({ event: 'end', id, bytes: connection.bytes, sha256: connection.hash.digest('hex') });
  });
  socket.on('error', (err: Error & { code?: string }) =>
    say({ event: 'error', id, code: err.code ?? err.message }),
  );
  socket.on('close', () => {
    connections.delete(id);
    say({ event: 'close', id });
  });
  const ready = {
    event: 'connection',
    id,
    remotePort: socket.remotePort,
    transport: socket.transport,
  };
  if (mode === 'proxy') {
    const onward = connect({ port: target as number, host: '127.0.0.1' }, () => {
      socket.pipe(onward).pipe(socket);
      say({ ...ready, onward: onward.transport, onwardPort: onward.localPort });
    });
    onward.on('error', () => socket.destroy());
    socket.on('close', () => onward.destroy());
    return connection;
  }
  if (mode === 'echo') socket.pipe(socket);
  else if (mode === 'read') read(connection);
  else if (mode === 'greet') socket.end('hello\n');
  if (accepted) say(ready);
  return connection;
}

function listen(request: Request): void {
  const mode = request.mode as Mode;
  const server = createServer((socket) => serve(socket, mode, true, request.target as number));
  server.listen({ port: 0, host: '127.0.0.1' }, () => {
    const { port } = server.address() as AddressInfo;
    servers.set(port, server);
    say({ seq: request.seq, port });
  });
}

function connectOut(request: Request): void {
  const refused = (err: Error & { code?: string }): void =>
    say({ seq: request.seq, error: err.code ?? err.message });
  const socket = connect({ port: request.port as number, host: '127.0.0.1' }, () => {
    socket.off('error', refused);
    const { id } = serve(socket, request.mode as Mode, false);
    say({ seq: request.seq, id, localPort: socket.localPort, transport: socket.transport });
  });
  socket.once('error', refused);
}

// Queues `bytes` seeded bytes in `pieceBytes` writes, then end() at once when asked; says
// `written` when the last write called back.
function send(connection: Connection, request: Request): void {
  const data = pattern(request.bytes as number, request.seed as number);
  const piece = (request.pieceBytes as number | undefined) ?? data.length;
  const { socket, id } = connection;
  for (let at = 0; at < data.length; at += piece) {
    const last = at + piece >= data.length;
    socket.write(
      data.subarray(at, at + piece),
      last ? () => say({ event: 'written', id }) : undefined,
    );
  }
  if (request.then === 'end') socket.end();
}

// Both ways by the awaitable calls: send() first, and only once it resolved, recv() all.
async function mutual(connection: Connection, request: Request): Promise<void> {
  const { socket, id } = connection;
  const bytes = request.bytes as number;
  await socket.send(pattern(bytes, request.seed as number));
  say({ event: 'sendDone', id });
  const hash = createHash('sha256');
  for (let got = 0; got < bytes;) {
    const chunk = await socket.recv(bytes - got);
    if (chunk === null) break;
    hash.update(chunk);
    got += chunk.length;
  }
  say({ event: 'received', id, sha256: hash.digest('hex') });
}

function onConnectionRequest(connection: Connection | undefined, request: Request): void {
  const { seq, op } = request;
  if (!connection) return say({ seq, error: 'no such connection' });
  const { socket } = connection;
  switch (op) {
    case 'forge':
      say({ seq, ...forgeConsumerCursor(socket, connection.accepted) });
      // This process reads from connect on, and its next release would overwrite the forged
      // cursor: its loop stays busy meanwhile, so that the victim's ring fills and the
      // victim reads the forged cursor. The reply above leaves first (IPC writes at once).
      return busy(FORGE_HOLD_MS);
    case 'stats':
      return say({ seq, bytes: connection.bytes });
    case 'endExit':
      socket.end(pattern(request.bytes as number, request.seed as number));
      return process.exit(0);
    case 'resume':
      read(connection);
      break;
    case 'send':
      send(connection, request);
      break;
    case 'mutual':
      // A failure shows as the missing event the test waits for.
      void mutual(connection, request).catch(() => {});
      break;
    default:
      return say({ seq, error: `unknown op ${op}` });
  }
  say({ seq, ok: true });
}

process.on('message', (request: Request) => {
  const { seq, op } = request;
  const server = servers.get(request.port as number);
  if (op === 'listen') return listen(request);
  if (op === 'connect') return connectOut(request);
  if ((op === 'count' || op === 'close') && !server) return say({ seq, error: 'no such listener' });
  if (op === 'count') return void server?.getConnections((_, count) => say({ seq, count }));
  if (op === 'close') return void server?.close(() => say({ seq, closed: true }));
  if (op === 'report') return say({ seq, open: connections.size, ...resourceCounts() });
  if (op === 'drop') {
    for (const { socket } of connections.values()) socket.destroy();
    return say({ seq, ok: true });
  }
  onConnectionRequest(connections.get(request.id as number), request);
});

say({ event: 'ready', pid: process.pid });
