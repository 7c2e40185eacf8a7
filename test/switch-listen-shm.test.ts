// Listening and accepting (SEL-1, LIS-1..5, CB-5, ACC-2..6) on the real shm provider, wrapped
// so that the switch's calls and the provider's events are recorded (recording-provider.ts).
// What the real provider cannot be made to do (a second subnet, a companion that fails) is in
// switch-listen.test.ts with the double; LIS-6 and ACC-6 across processes in shm-connect.test.ts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { connect, createServer, type AcceptInfo, type Socket } from '../src/index.js';
import { endpointPath } from '../src/providers/shm/rendezvous.js';
import { withRecordedShm } from './helpers/recording-provider.js';
import {
  closeServer,
  listen,
  nextError,
  readAll,
  within,
  restoreDefaults,
  stepAsideDefaults,
} from './helpers/san-double-harness.js';

const t = suite('switch: listen and accept on shm');
t.before(stepAsideDefaults);
t.after(restoreDefaults);

t('SEL-1: a wildcard listener also listens on shm, at the TCP port; close() closes it', () =>
  withRecordedShm(async () => {
    const server = createServer();
    const port = await listen(server, 0);
    assert.equal(server.transports(), ['tcp', 'shm']);
    const endpoint = endpointPath('::', port);
    assert.ok(existsSync(endpoint), 'the shm endpoint of the wildcard at the TCP port');
    await closeServer(server);
    assert.not.ok(existsSync(endpoint), 'close() removed the shm endpoint');
  }),
);

t('LIS-1, LIS-2, CB-5: TCP listens first; the companion binds its IP and port, then listens', () =>
  withRecordedShm(async (log) => {
    const server = createServer();
    const port = await listen(server, { port: 0, host: '127.0.0.1', backlog: 7 });
    assert.ok(port > 0);
    assert.equal(log.calls, ['socket', 'bind', 'eventSelect', 'listen']);
    assert.ok(existsSync(endpointPath('127.0.0.1', port)), 'bound to the port TCP chose');
    await closeServer(server);
  }),
);

t('one listener serves shm and plain TCP clients at once', () =>
  withRecordedShm(async () => {
    const server = createServer((s) => s.resume().end(s.transport ?? ''));
    const port = await listen(server, 0);
    const san = connect(port, '127.0.0.1');
    const plain = net.connect(port, '127.0.0.1');
    assert.equal(await Promise.all([readAll(san), readAll(plain)]), ['shm', 'tcp']);
    await closeServer(server);
  }),
);

t('LIS-3..5: one accept event drains every queued request until EAGAIN', () =>
  withRecordedShm(async (log) => {
    const accepted: Socket[] = [];
    const server = createServer((s) => accepted.push(s.resume()));
    const port = await listen(server, 0, '127.0.0.1');
    // The three dial before the loop polls the listener, so the kernel holds all three.
    const clients = [1, 2, 3].map(() => connect(port, '127.0.0.1'));
    await within(2000, Promise.all(clients.map((c) => once(c, 'connect'))));
    await within(
      2000,
      (async () => {
        while (accepted.length < 3) await new Promise((r) => setTimeout(r, 5));
      })(),
    );
    assert.ok(accepted.every((s) => s.transport === 'shm'));
    const relevant = (c: string): boolean =>
      c.startsWith('accept') || c.startsWith('condition') || c === 'event:accept';
    const calls = log.calls.slice(log.calls.indexOf('event:accept')).filter(relevant);
    // The first event answers all three, then would block; each connector's confirmation
    // (BLK-2) is an event of its own that hands over that connection.
    assert.equal(
      calls.slice(0, 5),
      ['event:accept', 'condition:true', 'condition:true', 'condition:true', 'accept:EAGAIN'],
      'the first event took all three, then would block',
    );
    assert.equal(calls.slice(5).filter((c) => c === 'accept:ok').length, 3);
    assert.not.ok(
      calls.slice(5).some((c) => c.startsWith('condition')),
      'one condition each',
    );
    clients.forEach((c) => c.destroy());
    await closeServer(server);
  }),
);

t('ACC-2..5: acceptFilter sees the request before the provider answers the peer', () =>
  withRecordedShm(async (log) => {
    const infos: AcceptInfo[] = [];
    const filter = (info: AcceptInfo): boolean => {
      infos.push(info);
      assert.not.ok(log.calls.includes('event:connect'), 'the peer is not answered yet');
      return true;
    };
    const server = createServer({ acceptFilter: filter }, (s) => s.resume());
    const port = await listen(server, 0, '127.0.0.1');
    const client = connect(port, '127.0.0.1');
    await within(2000, once(client, 'connect'));
    assert.is(client.transport, 'shm');
    assert.is(infos.length, 1);
    assert.is(infos[0]?.provider, 'shm');
    assert.is(infos[0]?.localPort, port);
    assert.is(infos[0]?.localAddress, '127.0.0.1');
    assert.is(infos[0]?.remoteAddress, '127.0.0.1');
    assert.is(infos[0]?.remotePort, client.localPort);
    const order = log.calls.filter((c) => c === 'condition:true' || c === 'event:connect');
    assert.equal(order, ['condition:true', 'event:connect'], 'condition, then the answer');
    client.destroy();
    await closeServer(server);
  }),
);

t('ACC-6: a request refused by acceptFilter gets ECONNREFUSED, never a connection', () =>
  withRecordedShm(async () => {
    const server = createServer({ acceptFilter: () => false });
    let connections = 0;
    server.on('connection', () => (connections += 1));
    const port = await listen(server, 0, '127.0.0.1');
    const client = connect(port, '127.0.0.1');
    let connected = false;
    client.on('connect', () => (connected = true));
    assert.is((await nextError(client)).code, 'ECONNREFUSED');
    assert.is(connected, false);
    assert.is(connections, 0);
    await closeServer(server);
  }),
);

t('ACC-6: an acceptFilter that throws refuses the request', () =>
  withRecordedShm(async (log) => {
    const server = createServer({
      acceptFilter: () => {
        throw new Error('filter bug');
      },
    });
    const port = await listen(server, 0, '127.0.0.1');
    assert.is((await nextError(connect(port, '127.0.0.1'))).code, 'ECONNREFUSED');
    assert.ok(log.calls.includes('accept:ECONNREFUSED'));
    await closeServer(server);
  }),
);

t.run();
