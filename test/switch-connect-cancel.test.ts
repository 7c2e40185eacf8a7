// BLK-2 (cancelling a SAN connect closes the companion; the server's application never sees
// that connection) with the SAN provider test double, and BLK-4/BLK-6 over TCP, where the
// switch cannot take data back from node:net and so aborts the connection.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { once } from 'node:events';
import { connect, createServer } from '../src/net/api.js';
import type { Socket } from '../src/net/socket.js';
import {
  closeServer,
  listen,
  restoreDefaults,
  stepAsideDefaults,
  withDouble,
  withDoubles,
} from './helpers/san-double-harness.js';
import { rejection, within } from './helpers/blk-pair.js';

test('BLK-2: cancelling a connect that sits in the backlog closes it; no connection', async () => {
  await withDouble(async (double) => {
    let connections = 0;
    const server = createServer((s) => {
      connections += 1;
      s.destroy();
    });
    const port = await listen(server, 0, '127.0.0.1');
    const controller = new AbortController();
    const socket = connect({ port, host: '127.0.0.1', signal: controller.signal });
    const failed = new Promise<Error & { code?: string }>((resolve) =>
      socket.once('error', resolve),
    );
    // The request is queued on the listener; its accept runs on a later turn of the loop.
    const listener = [...double.listeners][0]!;
    assert.is(listener.queue.length, 1);
    const companion = listener.queue[0]!.connector;
    const started = performance.now();
    controller.abort();
    const err = await within(500, failed, 'abort');
    assert.is(err.name, 'AbortError');
    assert.is(err.code, 'ABORT_ERR');
    assert.ok(performance.now() - started < 100);
    assert.is(companion.state, 'closed');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.is(connections, 0);
    // The server is unharmed: the next connect is accepted.
    const next = connect(port, '127.0.0.1');
    next.on('error', () => {});
    await within(2000, once(next, 'connect'), 'next connect');
    await new Promise((resolve) => setTimeout(resolve, 50));
    next.destroy();
    assert.is(connections, 1);
    await closeServer(server);
  });
});

test('BLK-4 over TCP: a cancelled 256 MiB send to a peer that does not read rejects fast', async () => {
  await withDoubles([], async () => {
    const peers: net.Socket[] = [];
    const server = net.createServer({ pauseOnConnect: true }, (s) => {
      s.on('error', () => {});
      peers.push(s);
    });
    const port = await listen(server, 0, '127.0.0.1');
    const client = connect(port, '127.0.0.1') as Socket;
    client.on('error', () => {});
    await within(2000, once(client, 'connect'));
    const controller = new AbortController();
    const sending = client.send(Buffer.alloc(256 << 20), { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    controller.abort();
    const err = await within(300, rejection(sending), 'cancelled send');
    assert.is(err.name, 'AbortError');
    assert.ok(performance.now() - started < 300);
    // BLK-6: only destroy() now; the switch already aborted the TCP connection to drop data.
    assert.is((await rejection(client.send('x'))).code, 'ERR_SANSWITCH_CANCELLED');
    client.destroy();
    if (!client.closed) await within(1000, once(client, 'close'), 'close');
    for (const peer of peers) peer.destroy();
    await closeServer(server);
  });
});

test('BLK-3 over TCP: send and recv work alongside the stream API', async () => {
  await withDoubles([], async () => {
    const server = createServer((s) => s.pipe(s));
    const port = await listen(server, 0, '127.0.0.1');
    const client = connect(port, '127.0.0.1') as Socket;
    await within(2000, once(client, 'connect'));
    assert.is(await client.send('hello '), 6);
    client.write('world');
    let text = '';
    while (text.length < 11) text += (await within(2000, client.recv(64)))!.toString();
    assert.is(text, 'hello world');
    client.end();
    assert.is(await within(2000, client.recv(64)), null);
    client.destroy();
    await closeServer(server);
  });
});

// These tests choose their transport: the default shm provider steps aside meanwhile.
test.before(stepAsideDefaults);
test.after(restoreDefaults);

test.run();
