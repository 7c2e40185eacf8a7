// The other process of the issue-5 shm tests (net-socket-calls-shm, shm-close), forked and
// driven over its IPC channel: a sanswitch server whose connections (named by their remote
// port) can stop and resume reading, send, end and reset, and whose event loop can be
// blocked on request.
// Protocol: see PeerRequest and PeerEvent in blk-shm-process.ts.
import { createHash, type Hash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from '../../src/index.js';
import { pattern } from './blk-pair.js';
import { resourceCounts } from './blk-shm-process.js';
import { busy, say } from './peer-basics.js';

// Whatever happens to the parent, this process goes away.
setTimeout(() => process.exit(3), 60_000).unref();
process.on('disconnect', () => process.exit(0));

interface Connection {
  socket: Socket;
  bytes: number;
  hash: Hash;
  reading: boolean;
}

type Request = { seq: number; op: string } & Record<string, unknown>;

const connections = new Map<number, Connection>();
const servers: Server[] = [];
let accepted = 0;

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

function onConnection(socket: Socket, hold: boolean): void {
  const port = socket.remotePort ?? -1;
  const connection: Connection = { socket, bytes: 0, hash: createHash('sha256'), reading: false };
  connections.set(port, connection);
  accepted += 1;
  say({ event: 'connection', port, transport: socket.transport });
  socket.on('end', () => {
    say({ event: 'end', port, bytes: connection.bytes, sha256: connection.hash.digest('hex') });
  });
  socket.on('error', (err: Error & { code?: string }) =>
    say({ event: 'error', port, code: err.code ?? err.message }),
  );
  socket.on('close', () => {
    connections.delete(port);
    say({ event: 'close', port });
  });
  if (!hold) read(connection);
}

function listen(request: Request): void {
  const hold = request.hold === true;
  const server = createServer((socket) => onConnection(socket, hold));
  servers.push(server);
  server.listen({ port: 0, host: '127.0.0.1', backlog: 8 }, () => {
    const { port } = server.address() as AddressInfo;
    say({ seq: request.seq, port });
  });
}

// Queues `bytes` seeded bytes in `pieceBytes` writes (replying at once), then ends or
// destroys once they are written, and says `sent`.
function send(connection: Connection, request: Request): void {
  const data = pattern(request.bytes as number, request.seed as number);
  const piece = (request.pieceBytes as number | undefined) ?? data.length;
  const { socket } = connection;
  const port = socket.remotePort;
  const last = Math.floor((data.length - 1) / piece) * piece;
  for (let at = 0; at < last; at += piece) socket.write(data.subarray(at, at + piece));
  socket.write(data.subarray(last), () => {
    if (request.then === 'end' || request.then === 'destroy') socket.end();
    if (request.then === 'destroy') socket.once('finish', () => socket.destroy());
    say({ event: 'sent', port });
  });
  say({ seq: request.seq, queued: data.length });
}

function onConnectionRequest(connection: Connection | undefined, request: Request): void {
  if (!connection) return say({ seq: request.seq, error: 'no such connection' });
  if (request.op === 'hold') connection.socket.pause();
  else if (request.op === 'resume') read(connection);
  else if (request.op === 'reset') connection.socket.resetAndDestroy();
  else if (request.op === 'send') return send(connection, request);
  say({ seq: request.seq, ok: true });
}

process.on('message', (request: Request) => {
  const { seq, op } = request;
  if (op === 'listen') return listen(request);
  if (op === 'block') {
    // The reply leaves before the loop blocks: the IPC write is attempted synchronously.
    say({ seq, blocking: true });
    busy(request.ms as number);
    return say({ event: 'unblocked' });
  }
  if (op === 'report') {
    return say({ seq, accepted, open: connections.size, ...resourceCounts() });
  }
  if (op === 'exit') {
    for (const { socket } of connections.values()) socket.destroy();
    for (const server of servers) server.close();
    say({ seq, ok: true });
    return void setTimeout(() => process.exit(0), 20);
  }
  onConnectionRequest(connections.get(request.port as number), request);
});

say({ event: 'ready', pid: process.pid });
