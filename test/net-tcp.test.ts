// node:net compatibility over the TCP provider alone: sanswitch sockets and servers against
// plain node:net peers on real loopback sockets.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { once } from 'node:events';
import { connect, createServer, providers, Socket } from '../src/index.js';
import {
  closeServer,
  closed,
  listen,
  nextError,
  readAll,
  within,
  restoreDefaults,
  stepAsideDefaults,
} from './helpers/san-double-harness.js';

const t = suite('net over TCP');
t.before(stepAsideDefaults);
t.after(restoreDefaults);

function echoServer(): net.Server {
  return net.createServer((s) => {
    s.on('data', (d) => s.write(d));
    s.on('end', () => s.end());
  });
}

t('a sanswitch client talks to a plain node:net server, both ways', async () => {
  const plain = echoServer();
  const port = await listen(plain, 0, '127.0.0.1');
  const socket = connect({ port, host: '127.0.0.1' });
  assert.is(socket.connecting, true);
  assert.is(socket.pending, true);
  assert.is(socket.readyState, 'opening');
  socket.write('written before connect;');
  await within(2000, once(socket, 'connect'));
  assert.is(socket.transport, 'tcp');
  assert.is(socket.fallbackReason, 'no-san-provider');
  assert.is(socket.readyState, 'open');
  assert.is(socket.remotePort, port);
  assert.is(socket.remoteAddress, '127.0.0.1');
  assert.is(socket.remoteFamily, 'IPv4');
  assert.equal(socket.address(), { address: '127.0.0.1', port: socket.localPort, family: 'IPv4' });
  socket.end('and after');
  assert.is(await readAll(socket), 'written before connect;and after');
  await within(2000, once(socket, 'close'));
  assert.is(socket.bytesRead, 32);
  assert.is(socket.bytesWritten, 32);
  await closeServer(plain);
});

t('a plain node:net client talks to a sanswitch server, both ways', async () => {
  const server = createServer((s) => {
    assert.is(s.transport, 'tcp');
    assert.is(s.fallbackReason, 'tcp-client');
    s.on('data', (d) => s.write(Buffer.concat([Buffer.from('>'), d])));
    s.on('end', () => s.end());
  });
  const port = await listen(server, 0, '127.0.0.1');
  assert.equal(server.address(), { address: '127.0.0.1', family: 'IPv4', port });
  assert.equal(server.transports(), ['tcp']);
  const client = net.connect(port, '127.0.0.1');
  client.end('ping');
  assert.is(await readAll(client), '>ping');
  await closeServer(server);
});

t('half-close: with allowHalfOpen the server keeps writing after the client ends', async () => {
  const server = createServer({ allowHalfOpen: true }, (s) => {
    s.resume();
    s.on('end', () => {
      setTimeout(() => s.end('late reply'), 20);
    });
  });
  const port = await listen(server, 0, '127.0.0.1');
  const client = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  assert.is(client.allowHalfOpen, true);
  client.end('request');
  assert.is(await readAll(client), 'late reply');
  await closeServer(server);
});

t('without allowHalfOpen the socket ends its side when the peer ends', async () => {
  const plain = net.createServer((s) => s.end('bye'));
  const port = await listen(plain, 0, '127.0.0.1');
  const socket = connect(port, '127.0.0.1');
  assert.is(await readAll(socket), 'bye');
  const [hadError] = await within(2000, once(socket, 'close'));
  assert.is(hadError, false);
  assert.is(socket.readyState, 'closed');
  await closeServer(plain);
});

t('destroy: the peer sees the connection close', async () => {
  const server = createServer((s) => s.destroy());
  const port = await listen(server, 0, '127.0.0.1');
  const client = net.connect(port, '127.0.0.1');
  client.resume();
  await within(2000, once(client, 'close'));
  await closeServer(server);
});

t('resetAndDestroy: the peer sees ECONNRESET', async () => {
  const server = createServer((s) => s.once('data', () => s.resetAndDestroy()));
  const port = await listen(server, 0, '127.0.0.1');
  const client = net.connect(port, '127.0.0.1', () => client.write('x'));
  const err = await nextError(client);
  assert.is(err.code, 'ECONNRESET');
  await closeServer(server);
});

t('setTimeout emits timeout after idleness, and the option does too', async () => {
  const plain = net.createServer((s) => s.resume());
  const port = await listen(plain, 0, '127.0.0.1');
  const socket = connect({ port, host: '127.0.0.1', timeout: 60 });
  assert.is(socket.timeout, 60);
  const started = Date.now();
  await within(2000, once(socket, 'timeout'));
  assert.ok(Date.now() - started >= 50);
  let fired = false;
  socket.setTimeout(0, () => (fired = true));
  socket.destroy();
  assert.is(fired, false);
  await within(2000, once(socket, 'close'));
  await closeServer(plain);
});

t('connect errors are Node-shaped: connect ECONNREFUSED 127.0.0.1:port', async () => {
  const probe = net.createServer();
  const port = await listen(probe, 0, '127.0.0.1');
  await closeServer(probe);
  const socket = connect(port, '127.0.0.1');
  const hadError = closed(socket);
  const err = (await nextError(socket)) as Error & Record<string, unknown>;
  assert.is(err.code, 'ECONNREFUSED');
  assert.is(err.errno, -111);
  assert.is(err.syscall, 'connect');
  assert.is(err.address, '127.0.0.1');
  assert.is(err.port, port);
  assert.is(err.message, `connect ECONNREFUSED 127.0.0.1:${port}`);
  assert.is(await hadError, true);
});

t('maxConnections closes plain TCP connections beyond it (node:net behaviour)', async () => {
  const server = createServer((s) => s.resume());
  server.maxConnections = 1;
  const port = await listen(server, 0, '127.0.0.1');
  const first = net.connect(port, '127.0.0.1');
  await within(2000, once(server, 'connection'));
  const second = net.connect(port, '127.0.0.1');
  second.resume();
  const [drop] = await within(2000, once(server, 'drop'));
  assert.is((drop as { localPort: number }).localPort, port);
  await within(2000, once(second, 'close'));
  const count = await new Promise<number>((r) => server.getConnections((_, n) => r(n)));
  assert.is(count, 1);
  first.destroy();
  await closeServer(server);
});

t('close(): ERR_SERVER_NOT_RUNNING when not listening; listen twice throws', async () => {
  const server = createServer();
  const err = await new Promise<Error | undefined>((r) => server.close(r));
  assert.is((err as { code?: string }).code, 'ERR_SERVER_NOT_RUNNING');
  await listen(server, 0, '127.0.0.1');
  assert.throws(
    () => server.listen(0),
    (e: { code?: string }) => e.code === 'ERR_SERVER_ALREADY_LISTEN',
  );
  await closeServer(server);
});

t(
  'address() and listening answer right after listen(port) with no host, as node:net does',
  async () => {
    for (const make of [createServer, net.createServer] as (() => net.Server)[]) {
      const server = make();
      server.listen(0);
      const address = server.address() as net.AddressInfo | null;
      assert.ok(address && address.port > 0, `${make.name}: address() at once`);
      assert.is(server.listening, true);
      await new Promise((resolve) => server.close(resolve));
      // With a host, node:net looks it up first, even an IP: null until then.
      const named = make();
      named.listen(0, '127.0.0.1');
      assert.is(named.address(), null, `${make.name}: address() after the lookup`);
      await once(named, 'listening');
      await new Promise((resolve) => named.close(resolve));
    }
  },
);

t('timeout is assignable; bufferSize, _connecting and _handle read as on node:net', async () => {
  const server = net.createServer((s) => s.pipe(s));
  const port = await listen(server, 0, '127.0.0.1');
  for (const Make of [Socket, net.Socket] as unknown as (new () => net.Socket)[]) {
    const socket = new Make();
    assert.is(socket.bufferSize, undefined, `${Make.name}: no bufferSize before connect()`);
    socket.connect(port, '127.0.0.1');
    assert.is(socket.bufferSize, 0, 'connecting');
    const legacy = socket as unknown as { _connecting: boolean };
    assert.is(legacy._connecting, true, '_connecting, the legacy name');
    await once(socket, 'connect');
    assert.is(socket.bufferSize, 0);
    socket.setTimeout(5000);
    (socket as { timeout?: number }).timeout = 0;
    assert.is(socket.timeout, 0, 'an assignment is reported back');
    const closed = once(socket, 'close');
    socket.destroy();
    await closed;
    assert.is((socket as unknown as { _handle: unknown })._handle, null, 'no handle once closed');
  }
  await closeServer(server);
});

t('providers() lists tcp, available', () => {
  assert.equal(providers()[0], {
    id: 'tcp',
    version: process.versions.node,
    available: true,
    reason: null,
  });
});

t.run();
