// MEM-1..9, CACHE-1..5, SES-10 for registered buffers (socket.allocBuffer and friends) over a
// SAN connection (in-process SessionConduit pair) and over TCP, where registration is
// bookkeeping over heap memory with the same rules.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { once } from 'node:events';
import {
  BIG_GEOMETRY,
  closeSockets,
  fillReceiveWindow,
  pattern,
  socketPair,
  within,
} from './helpers/blk-pair.js';
import { connect, createServer } from '../src/net/api.js';
import { Socket } from '../src/net/socket.js';
import {
  closeServer,
  listen,
  restoreDefaults,
  stepAsideDefaults,
  withDoubles,
} from './helpers/san-double-harness.js';

const code = (c: string) => (e: { code?: string }) => e.code === c;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('MEM-7: a registered send moves out of the application memory with no staging copy', async () => {
  const { client, server } = await socketPair(BIG_GEOMETRY);
  const registered = client.allocBuffer(300_000);
  registered.fill(1);
  // The peer does not read yet (its receive window is full): the send is announced, its
  // memory exposed, not copied.
  const { filler, written } = fillReceiveWindow(client);
  const sending = client.send(registered);
  await within(5000, written, 'the filler');
  // Proof that nothing was copied at send(): a byte changed now is the byte the peer reads.
  registered[registered.length - 1] = 9;
  const chunks: Buffer[] = [];
  server.on('data', (chunk: Buffer) => chunks.push(chunk));
  assert.is(await within(2000, sending), registered.length);
  client.end();
  await within(2000, once(server, 'end'));
  const all = Buffer.concat(chunks);
  assert.is(all.length, filler.length + registered.length);
  assert.is(all[all.length - 1], 9);
  await closeSockets(client, server);
});

test('MEM-6: deregistering memory a send still uses fails with EINVAL', async () => {
  const { client, server } = await socketPair(BIG_GEOMETRY);
  const registered = client.allocBuffer(200_000);
  const { written } = fillReceiveWindow(client);
  const sending = client.send(registered);
  await within(5000, written, 'the filler');
  assert.throws(() => client.deregister(registered), code('EINVAL'));
  server.resume();
  await within(2000, sending);
  client.deregister(registered);
  assert.throws(() => client.deregister(registered), code('EINVAL'));
  assert.throws(() => client.deregister(Buffer.alloc(10)), code('EINVAL'));
  await closeSockets(client, server);
});

test('MEM-5, CACHE-1..3: registration is counted and cached until freed', async () => {
  const { client, server } = await socketPair(BIG_GEOMETRY);
  const registered = client.allocBuffer(100_000);
  client.register(registered);
  client.deregister(registered);
  assert.throws(() => client.freeBuffer(registered), code('EFAULT'), 'still registered');
  client.deregister(registered);
  // Cached: registering again is a hit; then free it for good.
  client.register(registered);
  client.deregister(registered);
  client.freeBuffer(registered);
  assert.throws(() => client.freeBuffer(registered), code('EINVAL'), 'never cached now');
  assert.throws(() => client.register(Buffer.alloc(16)), code('EFAULT'), 'not our memory');
  await closeSockets(client, server);
});

test('MEM-3, CACHE-4: deregistered memory is no longer exposed (a send copies it)', async () => {
  const { client, server } = await socketPair(BIG_GEOMETRY);
  const cached = client.allocBuffer(200_000);
  cached.fill(3);
  client.deregister(cached);
  // Not registered: the switch copies it; a later change is not what the peer reads.
  const sending = client.send(cached);
  await sleep(20);
  cached.fill(4);
  const chunks: Buffer[] = [];
  server.on('data', (chunk: Buffer) => chunks.push(chunk));
  await within(2000, sending);
  client.end();
  await within(2000, once(server, 'end'));
  assert.ok(Buffer.concat(chunks).equals(Buffer.alloc(200_000, 3)));
  await closeSockets(client, server);
});

test('SES-10: registration fails with ENOBUFS when the bulk area has no room', async () => {
  const { client, server } = await socketPair();
  assert.throws(() => client.allocBuffer(64 << 20), code('ENOBUFS'));
  await closeSockets(client, server);
});

test('CACHE-5, MEM-8: closing the connection releases every registration', async () => {
  const { client, server, clientConduit } = await socketPair(BIG_GEOMETRY);
  client.allocBuffer(100_000);
  const cached = client.allocBuffer(100_000);
  client.deregister(cached);
  assert.is(clientConduit.buffers.size, 2);
  await closeSockets(client, server);
  assert.is(clientConduit.buffers.size, 0);
  assert.throws(() => clientConduit.buffers.alloc(10), code('ENOTCONN'));
});

test('MEM-6: registration before the connection is established fails with ENOTCONN', () => {
  const socket = new Socket();
  assert.throws(() => socket.allocBuffer(10), code('ENOTCONN'));
});

test('MEM over TCP: the same calls work over heap memory', async () => {
  await withDoubles([], async () => {
    const server = createServer((s) => s.pipe(s));
    const port = await listen(server, 0, '127.0.0.1');
    const client = connect(port, '127.0.0.1') as Socket;
    await within(2000, once(client, 'connect'));
    assert.is(client.transport, 'tcp');
    const registered = client.allocBuffer(100_000);
    pattern(registered.length, 5).copy(registered);
    client.register(registered);
    assert.is(await within(2000, client.send(registered)), registered.length);
    client.deregister(registered);
    client.deregister(registered);
    client.freeBuffer(registered);
    let got = 0;
    while (got < registered.length) got += (await within(2000, client.recv(1 << 20)))!.length;
    await closeSockets(client);
    await closeServer(server);
  });
});

// These tests choose their transport: the default shm provider steps aside meanwhile.
test.before(stepAsideDefaults);
test.after(restoreDefaults);

test.run();
