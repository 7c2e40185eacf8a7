// Listening and accepting (SEL-1, LIS-1..6, CB-5, CB-7, ACC-2..6), driven with the SAN provider
// double (a TEST DOUBLE: the real SAN providers come in the next issue).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { once } from 'node:events';
import { connect, createServer, type AcceptInfo, type Socket } from '../src/index.js';
import { SanDouble, type DoubleSocket } from './helpers/san-double.js';
import {
  closeServer,
  listen,
  nextError,
  readAll,
  withDouble,
  withDoubles,
  within,
  restoreDefaults,
  stepAsideDefaults,
} from './helpers/san-double-harness.js';

const t = suite('switch: listen and accept');
t.before(stepAsideDefaults);
t.after(restoreDefaults);

function listenerOf(double: SanDouble): DoubleSocket {
  const listener = [...double.listeners][0];
  assert.ok(listener, 'the double has a listening companion');
  return listener as DoubleSocket;
}

t('SEL-1: a wildcard listener also listens on every SAN provider', () =>
  withDoubles([new SanDouble('dbla'), new SanDouble('dblb', ['10.255.255.1'])], async (a, b) => {
    const server = createServer();
    const port = await listen(server, 0);
    assert.equal(server.transports(), ['tcp', 'dbla', 'dblb']);
    assert.is(listenerOf(a as SanDouble).port, port);
    assert.is(listenerOf(b as SanDouble).port, port);
    await closeServer(server);
    assert.is((a as SanDouble).listeners.size, 0, 'close() closes the companions');
  }),
);

t('SEL-1: a listener on a SAN provider address uses that provider (and TCP)', () =>
  withDoubles(
    [new SanDouble('dbla', ['127.0.0.1']), new SanDouble('dblb', ['10.255.255.1'])],
    async () => {
      const server = createServer();
      await listen(server, 0, '127.0.0.1');
      assert.equal(server.transports(), ['tcp', 'dbla']);
      await closeServer(server);
    },
  ),
);

t('SEL-1: a listener on any other address is TCP only', () =>
  withDouble(async (double) => {
    const server = createServer();
    await listen(server, 0, '127.0.0.2');
    assert.equal(server.transports(), ['tcp']);
    assert.not.ok(double.calls.includes('socket'));
    await closeServer(server);
  }),
);

t('LIS-1, LIS-2, CB-5: TCP listens first; the companion binds its IP and port, then listens', () =>
  withDouble(async (double) => {
    const server = createServer();
    const port = await listen(server, { port: 0, host: '127.0.0.1', backlog: 7 });
    assert.ok(port > 0);
    const companion = listenerOf(double);
    assert.is(companion.address, '127.0.0.1');
    assert.is(companion.port, port, 'bound to the port TCP chose, so TCP listened first');
    assert.equal(double.calls.slice(-4), ['socket', 'bind', 'eventSelect', 'listen']);
    await closeServer(server);
  }),
);

t('CB-7: a companion that fails to listen is dropped and TCP carries on', () =>
  withDouble(async (double) => {
    double.socket = () => {
      throw new Error('out of SAN sockets');
    };
    const server = createServer((s) => s.resume().end('tcp still works'));
    const port = await listen(server, 0, '127.0.0.1');
    assert.equal(server.transports(), ['tcp']);
    assert.is(await readAll(net.connect(port, '127.0.0.1')), 'tcp still works');
    await closeServer(server);
  }),
);

t('one listener serves SAN and plain TCP clients at once', () =>
  withDouble(async () => {
    const server = createServer((s) => s.resume().end(s.transport ?? ''));
    const port = await listen(server, 0);
    const san = connect(port, '127.0.0.1');
    const plain = net.connect(port, '127.0.0.1');
    assert.equal(await Promise.all([readAll(san), readAll(plain)]), ['double', 'tcp']);
    await closeServer(server);
  }),
);

t('LIS-3..5: one accept event drains every queued request until EAGAIN', () =>
  withDouble(async (double) => {
    const accepted: Socket[] = [];
    const server = createServer((s) => accepted.push(s.resume()));
    const port = await listen(server, 0, '127.0.0.1');
    const clients = [1, 2, 3].map(() => connect(port, '127.0.0.1'));
    await within(2000, Promise.all(clients.map((c) => once(c, 'connect'))));
    assert.is(accepted.length, 3);
    assert.ok(accepted.every((s) => s.transport === 'double'));
    const firstDrain = double.calls.indexOf('accept');
    assert.equal(
      double.calls
        .slice(firstDrain)
        .filter((c) => c === 'accept' || c.startsWith('condition'))
        .slice(0, 7),
      [
        'accept',
        'condition:true',
        'accept',
        'condition:true',
        'accept',
        'condition:true',
        'accept',
      ],
      'the first event took all three, then would block',
    );
    clients.forEach((c) => c.destroy());
    await closeServer(server);
  }),
);

// The refusal itself is the double's: LIS-6 proper (the kernel's queue of the real shm
// listener under a busy server) is tested in shm-connect.test.ts. What this checks is the
// switch: the backlog reaches the provider, and the refusal is final, with no event.
t(
  'CON-4: a SAN backlog refusal is final (ECONNREFUSED, no TCP retry); the queued one connects',
  () =>
    withDouble(async (double) => {
      const server = createServer((s) => s.resume());
      const port = await listen(server, { port: 0, host: '127.0.0.1', backlog: 1 });
      const first = connect(port, '127.0.0.1');
      const second = connect(port, '127.0.0.1');
      assert.is((await nextError(second)).code, 'ECONNREFUSED');
      await within(2000, once(first, 'connect'));
      assert.is(double.acceptSignals, 1);
      first.destroy();
      await closeServer(server);
    }),
);

t('ACC-2..5: acceptFilter sees the request and accepts it before the peer is answered', () =>
  withDouble(async (double) => {
    const infos: AcceptInfo[] = [];
    const filter = (info: AcceptInfo): boolean => {
      infos.push(info);
      assert.not.ok(double.calls.includes('connect-event:ok'), 'the peer is not answered yet');
      return true;
    };
    const server = createServer({ acceptFilter: filter }, (s) => s.resume());
    const port = await listen(server, 0, '127.0.0.1');
    const client = connect(port, '127.0.0.1');
    await within(2000, once(client, 'connect'));
    assert.is(infos.length, 1);
    assert.is(infos[0]?.provider, 'double');
    assert.is(infos[0]?.localPort, port);
    assert.is(infos[0]?.remoteAddress, '127.0.0.1');
    client.destroy();
    await closeServer(server);
  }),
);

t('ACC-6: a request refused by acceptFilter gets ECONNREFUSED, never a reset', () =>
  withDouble(async () => {
    const server = createServer({ acceptFilter: () => false });
    let connections = 0;
    server.on('connection', () => (connections += 1));
    const port = await listen(server, 0, '127.0.0.1');
    const client = connect(port, '127.0.0.1');
    let connected = false;
    client.on('connect', () => (connected = true));
    const err = await nextError(client);
    assert.is(err.code, 'ECONNREFUSED');
    assert.is(connected, false);
    assert.is(connections, 0);
    await closeServer(server);
  }),
);

t('ACC-6: a SAN request beyond maxConnections gets ECONNREFUSED', () =>
  withDouble(async () => {
    const server = createServer((s) => s.resume());
    server.maxConnections = 1;
    const port = await listen(server, 0, '127.0.0.1');
    const first = connect(port, '127.0.0.1');
    await within(2000, once(first, 'connect'));
    const second = connect(port, '127.0.0.1');
    assert.is((await nextError(second)).code, 'ECONNREFUSED');
    first.destroy();
    await closeServer(server);
  }),
);

t('ACC-6: an acceptFilter that throws refuses the request', () =>
  withDouble(async () => {
    const server = createServer({
      acceptFilter: () => {
        throw new Error('filter bug');
      },
    });
    const port = await listen(server, 0, '127.0.0.1');
    assert.is((await nextError(connect(port, '127.0.0.1'))).code, 'ECONNREFUSED');
    await closeServer(server);
  }),
);

t.run();
