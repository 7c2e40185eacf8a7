// CLS-1..6 at the socket: graceful end() after pending data, abortive resetAndDestroy(),
// destroy()'s semantics, pending calls completing exactly once (AbortError / ECONNRESET),
// and nothing left behind. SAN connections are an in-process SessionConduit pair.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { once } from 'node:events';
import { closeSockets, pattern, rejection, socketPair, within } from './helpers/blk-pair.js';

const onceEvent = (emitter: NodeJS.EventEmitter, event: string) =>
  new Promise<unknown>((resolve) => emitter.once(event, resolve));

test('CLS-1: end() sends FIN after all pending data', async () => {
  const { client, server } = await socketPair();
  const data = pattern(3 << 20, 11);
  const sent = client.send(data);
  client.end();
  const chunks: Buffer[] = [];
  server.on('data', (chunk: Buffer) => chunks.push(chunk));
  await within(5000, once(server, 'end'), 'end');
  assert.is(await sent, data.length);
  assert.ok(Buffer.concat(chunks).equals(data));
  await closeSockets(client, server);
});

test('CLS-3: resetAndDestroy() is abortive: the peer gets ECONNRESET', async () => {
  const { client, server } = await socketPair();
  const peerError = onceEvent(server, 'error');
  client.resetAndDestroy();
  const err = (await within(2000, peerError, 'peer error')) as { code?: string };
  assert.is(err.code, 'ECONNRESET');
  await closeSockets(client, server);
});

test('CLS-2: destroy() with nothing in flight closes at once; the peer sees the end', async () => {
  const { client, server } = await socketPair();
  const closed = onceEvent(client, 'close');
  client.destroy();
  await within(500, closed, 'close');
  server.resume();
  await within(2000, once(server, 'end'), 'peer end');
  await closeSockets(server);
});

test('CLS-3: pending send and recv complete exactly once with AbortError on destroy()', async () => {
  const { client, server } = await socketPair();
  let settled = 0;
  const count = <T>(p: Promise<T>) => p.finally(() => (settled += 1));
  // The peer does not read: the 32 MiB send stays pending; nothing arrives for the recv.
  const sending = count(client.send(Buffer.alloc(32 << 20)));
  const receiving = count(client.recv(100));
  await new Promise((resolve) => setTimeout(resolve, 20));
  client.on('error', () => {});
  // The peer still had RDMA reads to do: destroy() resets it (see README, closing).
  server.on('error', () => {});
  client.destroy();
  assert.is((await within(1000, rejection(sending))).name, 'AbortError');
  assert.is((await within(1000, rejection(receiving))).name, 'AbortError');
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.is(settled, 2);
  await closeSockets(client, server);
});

test('CLS-3: a pending recv fails with ECONNRESET when the peer resets', async () => {
  const { client, server } = await socketPair();
  server.on('error', () => {});
  const receiving = server.recv(100);
  client.resetAndDestroy();
  const err = await within(2000, rejection(receiving));
  assert.is(err.code, 'ECONNRESET');
  await closeSockets(client, server);
});

test('CLS-6: closed connections release their bulk, registrations and timers', async () => {
  const { client, server, clientConduit, serverConduit } = await socketPair();
  client.allocBuffer(4096);
  await client.send(pattern(100_000, 3));
  await closeSockets(client, server);
  assert.is(clientConduit.buffers.size, 0);
  assert.is(serverConduit.buffers.size, 0);
  const active = process
    .getActiveResourcesInfo()
    .filter((r) => r === 'Immediate' || r === 'Timeout');
  assert.ok(active.length <= 2, active.join(','));
});

test.run();
