// ACC-8 over the real shm provider, both ends in this process: the switch answers
// getsockname and getpeername (localAddress/localPort, remoteAddress/remotePort) from the
// names of bind, connect and accept, and the two ends agree on them, as over TCP.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { once } from 'node:events';
import { connect, createServer, type Socket } from '../src/index.js';
import { within } from './helpers/san-double-harness.js';

test('ACC-8: both ends of an shm connection report each other’s address and port', async () => {
  const accepted: Socket[] = [];
  const server = createServer((s) => {
    accepted.push(s);
    s.resume();
  });
  server.listen(0, '127.0.0.1');
  await within(2000, once(server, 'listening'));
  try {
    const { port } = server.address() as { port: number };
    const client = connect(port, '127.0.0.1');
    await within(2000, once(client, 'connect'));
    assert.is(client.transport, 'shm');
    while (accepted.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const peer = accepted[0]!;
    assert.is(peer.transport, 'shm');
    assert.equal(
      [client.remoteAddress, client.remotePort, client.remoteFamily],
      ['127.0.0.1', port, 'IPv4'],
    );
    assert.equal(
      [peer.remoteAddress, peer.remotePort],
      [client.localAddress, client.localPort],
      'the acceptor sees the connector’s own name',
    );
    assert.equal([peer.localAddress, peer.localPort], ['127.0.0.1', port]);
    assert.ok((client.localPort ?? 0) > 0);
    assert.equal(client.address(), {
      address: client.localAddress,
      port: client.localPort,
      family: 'IPv4',
    });
    client.end();
    client.resume();
    await within(2000, once(client, 'close'));
  } finally {
    server.close();
  }
});

test.run();
