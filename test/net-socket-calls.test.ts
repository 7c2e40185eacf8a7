// BLK-3..6 over a SAN connection (two Sockets on an in-process SessionConduit pair): awaitable
// send/recv, cancelling a send the switch holds (BLK-4), cancelling a registered-buffer send
// whose RDMA is outstanding (BLK-5, both outcomes), and what a socket allows afterwards (BLK-6).
// The stalled peer is a socket that does not read: its session then leaves the RNDV, and so
// the RDMA read of the sender's registered memory, pending until it reads again.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { once } from 'node:events';
import {
  BIG_GEOMETRY,
  closeSockets,
  fillReceiveWindow,
  pattern,
  rejection,
  socketPair,
  within,
} from './helpers/blk-pair.js';

test('BLK-3: send resolves with its length; recv fills a buffer or a new one, in order', async () => {
  const { client, server } = await socketPair();
  const data = pattern(200_000, 1);
  assert.is(await within(2000, client.send(data)), data.length);
  const target = Buffer.alloc(1000);
  const first = await within(2000, server.recv(target));
  assert.ok(first && first.buffer === target.buffer && first.length > 0);
  const parts: Buffer[] = [Buffer.from(first)];
  let got = first.length;
  while (got < data.length) {
    const chunk = await within(2000, server.recv(65536));
    assert.ok(chunk);
    parts.push(chunk);
    got += chunk.length;
  }
  assert.ok(Buffer.concat(parts).equals(data));
  // The stream API still works after recv: the end arrives as null from recv.
  client.end();
  assert.is(await within(2000, server.recv(10)), null);
  await closeSockets(client, server);
});

test('BLK-3: recv posts its buffer, so a large transfer that follows lands in it directly', async () => {
  const { client, server, serverConduit } = await socketPair();
  const posted: (Buffer | undefined)[] = [];
  const post = serverConduit.postReceive.bind(serverConduit);
  serverConduit.postReceive = (target) => {
    posted.push(target);
    post(target);
  };
  const target = Buffer.alloc(1 << 20);
  const receiving = server.recv(target);
  assert.ok(
    posted.some((p) => p?.buffer === target.buffer),
    'the waiting receive posted its buffer',
  );
  const data = pattern(200_000, 3);
  const sending = client.send(data);
  const got = await within(2000, receiving);
  assert.ok(got && got.buffer === target.buffer && got.byteOffset === target.byteOffset);
  assert.ok(got.equals(data.subarray(0, got.length)));
  assert.is(posted[posted.length - 1], undefined, 'withdrawn once the receive completed');
  const parts: Buffer[] = [Buffer.from(got)];
  for (let bytes = got.length; bytes < data.length;) {
    const chunk = await within(2000, server.recv(65536));
    assert.ok(chunk);
    parts.push(chunk);
    bytes += chunk.length;
  }
  await within(2000, sending);
  assert.ok(Buffer.concat(parts).equals(data));
  await closeSockets(client, server);
});

test('SES-11: sends go on in the background: a second send completes while the peer has read nothing', async () => {
  const { client, server } = await socketPair();
  const first = pattern(20_000, 4);
  const second = pattern(3_000, 5);
  // The server reads nothing yet: both sends complete once the switch holds their bytes.
  assert.is(await within(2000, client.send(first)), first.length);
  assert.is(await within(2000, client.send(second)), second.length);
  assert.is(server.bytesRead, 0);
  const parts: Buffer[] = [];
  for (let bytes = 0; bytes < first.length + second.length;) {
    const chunk = await within(2000, server.recv(65536));
    assert.ok(chunk);
    parts.push(chunk);
    bytes += chunk.length;
  }
  assert.ok(Buffer.concat(parts).equals(Buffer.concat([first, second])));
  await closeSockets(client, server);
});

test('BLK-4: cancelling a 256 MiB send to a peer that does not read rejects within 300 ms', async () => {
  const { client, server } = await socketPair();
  const big = Buffer.alloc(256 << 20, 7);
  const controller = new AbortController();
  const sending = client.send(big, { signal: controller.signal });
  await new Promise((resolve) => setTimeout(resolve, 50));
  const started = performance.now();
  controller.abort();
  const err = await within(300, rejection(sending), 'cancelled send');
  assert.is(err.name, 'AbortError');
  assert.is(err.code, 'ABORT_ERR');
  assert.ok(performance.now() - started < 300);
  // The switch dropped the data; destroy() closes. The peer had RDMA reads still to do, so
  // it sees a reset (never a protocol error or the rest of the data).
  const closed = once(client, 'close');
  client.destroy();
  await within(1000, closed, 'destroy');
  let received = 0;
  server.on('data', (chunk: Buffer) => (received += chunk.length));
  const outcome = await within(
    2000,
    new Promise<string>((resolve) => {
      server.once('end', () => resolve('end'));
      server.once('error', (e: { code?: string }) => resolve(e.code ?? 'error'));
    }),
    'peer end',
  );
  assert.ok(outcome === 'end' || outcome === 'ECONNRESET', outcome);
  assert.ok(received < big.length, `peer got ${received} bytes`);
  await closeSockets(server);
});

test('BLK-5: a cancelled registered send waits for the RDMA that completes in time', async () => {
  const { client, server } = await socketPair(BIG_GEOMETRY);
  client.rdmaCancelTimeout = 1000;
  const registered = client.allocBuffer(512 * 1024);
  const { filler, written } = fillReceiveWindow(client);
  pattern(registered.length, 2).copy(registered);
  const controller = new AbortController();
  const sending = client.send(registered, { signal: controller.signal });
  await within(5000, written, 'the filler');
  controller.abort();
  // The peer reads again 150 ms later, well within rdmaCancelTimeout: its RDMA completes.
  await new Promise((resolve) => setTimeout(resolve, 150));
  const chunks: Buffer[] = [];
  server.on('data', (chunk: Buffer) => chunks.push(chunk));
  assert.is(await within(2000, sending, 'send'), registered.length);
  // The connection survives: it carries more data, and the bytes arrived intact.
  assert.is(await within(2000, client.send('after')), 5);
  client.end();
  await within(2000, once(server, 'end'), 'end');
  const all = Buffer.concat(chunks);
  const expected = Buffer.concat([filler, pattern(registered.length, 2), Buffer.from('after')]);
  assert.ok(all.equals(expected), `got ${all.length} bytes, expected ${expected.length}`);
  await closeSockets(client, server);
});

test('BLK-5: an RDMA outlasting rdmaCancelTimeout resets the connection; peer ECONNRESET', async () => {
  const { client, server } = await socketPair(BIG_GEOMETRY);
  client.rdmaCancelTimeout = 200;
  client.on('error', () => {});
  const registered = client.allocBuffer(512 * 1024);
  const { written } = fillReceiveWindow(client);
  const controller = new AbortController();
  const sending = client.send(registered, { signal: controller.signal });
  const peerError = once(server, 'error');
  const clientClosed = once(client, 'close');
  await within(5000, written, 'the filler');
  const started = performance.now();
  controller.abort();
  const err = await within(2000, rejection(sending), 'cancelled send');
  const waited = performance.now() - started;
  assert.is(err.name, 'AbortError');
  assert.ok(waited >= 190 && waited < 1000, `waited ${waited} ms`);
  const [peerErr] = (await within(2000, peerError, 'peer error')) as [{ code?: string }];
  assert.is(peerErr.code, 'ECONNRESET');
  await within(2000, clientClosed, 'client close');
  await closeSockets(client, server);
});

test('BLK-6: after a cancellation only destroy() succeeds; other calls fail clearly', async () => {
  const { client, server } = await socketPair();
  const controller = new AbortController();
  const sending = client.send(Buffer.alloc(8 << 20), { signal: controller.signal });
  controller.abort();
  await rejection(sending);
  const code = 'ERR_SANSWITCH_CANCELLED';
  assert.is((await rejection(client.send('x'))).code, code);
  assert.is((await rejection(client.recv(10))).code, code);
  assert.throws(
    () => client.allocBuffer(4096),
    (e: { code?: string }) => e.code === code,
  );
  const writeErr = new Promise<{ code?: string }>((resolve) => client.once('error', resolve));
  const closed = new Promise((resolve) => client.once('close', resolve));
  client.write('more');
  assert.is((await within(1000, writeErr, 'write error')).code, code);
  await within(1000, closed, 'close');
  await closeSockets(client, server);
});

test('BLK-6: a cancelled recv rejects with AbortError and leaves the data for no one else', async () => {
  const { client, server } = await socketPair();
  const controller = new AbortController();
  const receiving = server.recv(100, { signal: controller.signal });
  setTimeout(() => controller.abort(new Error('user')), 20);
  const err = await within(1000, rejection(receiving), 'cancelled recv');
  assert.is(err.name, 'AbortError');
  assert.is((err.cause as Error).message, 'user');
  assert.is((await rejection(server.recv(10))).code, 'ERR_SANSWITCH_CANCELLED');
  await closeSockets(client, server);
});

test('BLK-4: send timeout cancels like a signal (AbortError, cause TimeoutError)', async () => {
  const { client, server } = await socketPair();
  const err = await within(1000, rejection(client.send(Buffer.alloc(64 << 20), { timeout: 50 })));
  assert.is(err.name, 'AbortError');
  assert.is((err.cause as Error).name, 'TimeoutError');
  await closeSockets(client, server);
});

test.run();
