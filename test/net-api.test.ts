// ARC-1: to an application the switch looks like one TCP/IP provider: its Socket and Server
// have node:net's stream API (checked against node:net's own prototypes), and one script
// run over node:net and over sanswitch (shm) sees the same events, states and counts, so
// code written for node:net runs unchanged.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { once } from 'node:events';
import { Server, Socket, connect, createConnection, createServer } from '../src/index.js';

const SOCKET_METHODS = [
  'write',
  'end',
  'destroy',
  'destroySoon',
  'resetAndDestroy',
  'pause',
  'resume',
  'setNoDelay',
  'setKeepAlive',
  'setTimeout',
  'ref',
  'unref',
  'address',
  'connect',
];
const SERVER_METHODS = ['listen', 'address', 'close', 'getConnections', 'ref', 'unref'];
const STATE = [
  'readyState',
  'connecting',
  'pending',
  'bytesRead',
  'bytesWritten',
  'remoteAddress',
  'localAddress',
  'allowHalfOpen',
  'timeout',
];

test('ARC-1: Socket and Server have node:net’s API; the factories are there', () => {
  const socket = new Socket();
  assert.ok(socket instanceof Duplex);
  for (const name of SOCKET_METHODS) {
    const theirs = (net.Socket.prototype as unknown as Record<string, unknown>)[name];
    assert.type(theirs, 'function', `node:net has ${name}`);
    assert.type((socket as unknown as Record<string, unknown>)[name], 'function', name);
  }
  const server = createServer();
  assert.ok(server instanceof Server);
  for (const name of SERVER_METHODS) {
    assert.type((net.Server.prototype as unknown as Record<string, unknown>)[name], 'function');
    assert.type((server as unknown as Record<string, unknown>)[name], 'function', name);
  }
  for (const factory of [connect, createConnection, createServer]) assert.type(factory, 'function');
  // A socket not yet connected reads as node:net's does.
  const theirs = new net.Socket();
  for (const name of STATE) {
    const ours = (socket as unknown as Record<string, unknown>)[name];
    assert.is(ours, (theirs as unknown as Record<string, unknown>)[name], name);
  }
  theirs.destroy();
  socket.destroy();
});

type Api = { createServer: typeof net.createServer; connect: typeof net.connect };

/**
 * One conversation: the client sends, the server answers in capitals and ends, the client
 * ends. Returns each side's events in order (the two sides interleave as timing has it),
 * with readyState at each, and the counts at close. `transport` is what carried the client
 * (sanswitch's `transport`, else 'node:net').
 */
async function conversation(
  api: Api,
): Promise<{ client: string[]; server: string[]; transport: string }> {
  const trace: string[] = [];
  const server = api.createServer((s) => {
    trace.push(`server connection ${s.readyState}`);
    s.on('data', (chunk: Buffer) => s.end(chunk.toString().toUpperCase()));
    s.on('end', () => trace.push(`server end ${s.readyState}`));
    s.on('close', (hadError: boolean) =>
      trace.push(`server close ${hadError} read ${s.bytesRead} written ${s.bytesWritten}`),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  const client = api.connect(port, '127.0.0.1');
  trace.push(`client created ${client.readyState} connecting ${client.connecting}`);
  for (const event of ['connect', 'ready', 'end', 'finish']) {
    client.on(event, () => trace.push(`client ${event} ${client.readyState}`));
  }
  client.on('data', (chunk: Buffer) => trace.push(`client data ${chunk}`));
  const closed = once(client, 'close');
  await once(client, 'connect');
  trace.push(`client remote ${client.remoteAddress}:${client.remotePort === port}`);
  client.write('hello');
  const [hadError] = (await closed) as [boolean];
  trace.push(`client close ${hadError} read ${client.bytesRead} written ${client.bytesWritten}`);
  const transport = (client as unknown as { transport?: string }).transport ?? 'node:net';
  await new Promise<void>((resolve) => server.close(() => resolve()));
  // node:net may emit the server socket's close just after the server's.
  await new Promise((resolve) => setTimeout(resolve, 20));
  const side = (name: string) => trace.filter((line) => line.startsWith(`${name} `));
  return { client: side('client'), server: side('server'), transport };
}

test('ARC-1: one script over node:net and over sanswitch sees the same events and states', async () => {
  const theirs = await conversation(net);
  const ours = await conversation({ createServer, connect } as unknown as Api);
  assert.is(ours.transport, 'shm');
  assert.equal(ours.client, theirs.client, 'the client side');
  assert.equal(ours.server, theirs.server, 'the server side');
});

test.run();
