// Routing on connect over the real shm provider (SEL-2, CB-2, CON-1..4, ARC-5, BLK-2), wrapped so
// that the switch's calls and the provider's events are recorded (recording-provider.ts).
// Connect errors and set-up failures the real provider cannot be made to produce are scripted
// with the double in switch-connect.test.ts.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { once } from 'node:events';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { connect, createServer, ROUTE_CHANNEL, Socket, type RouteMessage } from '../src/index.js';
import { withRecordedShm } from './helpers/recording-provider.js';
import {
  closeServer,
  listen,
  nextError,
  plainServer,
  readAll,
  within,
  restoreDefaults,
  stepAsideDefaults,
} from './helpers/san-double-harness.js';

const t = suite('switch: connect on shm');
t.before(stepAsideDefaults);
t.after(restoreDefaults);

t('SEL-2: a destination in the address table connects over that SAN provider', () =>
  withRecordedShm(async () => {
    const server = createServer((s) => s.pipe(s));
    const port = await listen(server, 0);
    const socket = connect(port, '127.0.0.1');
    await within(2000, once(socket, 'connect'));
    assert.is(socket.transport, 'shm');
    assert.is(socket.fallbackReason, null);
    socket.end('over shm');
    assert.is(await readAll(socket), 'over shm');
    await closeServer(server);
  }),
);

t('CB-2, CON-1..3: the companion is made at connect, which returns before its event', () =>
  withRecordedShm(async (log) => {
    const server = createServer((s) => s.resume().end());
    const port = await listen(server, 0);
    const mark = log.calls.length;
    const socket = new Socket();
    assert.is(log.calls.length, mark, 'new Socket() called the SAN provider');
    let connected = false;
    socket.once('connect', () => (connected = true));
    socket.connect(port, '127.0.0.1');
    assert.not.ok(connected, 'connect() returned only once connected');
    await within(2000, once(socket, 'connect'));
    // The companion is made by the connect; eventSelect precedes connect, and the outcome
    // arrives by the connect event (CON-1/2).
    const ops = log.calls.slice(mark);
    const at = (op: string): number => ops.indexOf(op);
    assert.is(ops[0], 'socket', ops.join(' '));
    assert.ok(at('eventSelect') > 0 && at('eventSelect') < at('connect'), ops.join(' '));
    assert.ok(at('connect') < at('event:connect'), ops.join(' '));
    socket.resume();
    await within(2000, once(socket, 'close'));
    await closeServer(server);
  }),
);

t('CON-4: a peer with no SAN listener (plain TCP server) is retried on TCP transparently', () =>
  withRecordedShm(async (log) => {
    const plain = await plainServer();
    const socket = connect(plain.port, '127.0.0.1');
    await within(2000, once(socket, 'connect'));
    assert.is(socket.transport, 'tcp');
    assert.is(socket.fallbackReason, 'no-san-listener');
    assert.ok(log.calls.includes('close'), 'the SAN companion is closed before the retry');
    socket.end('via fallback');
    assert.is(await readAll(socket), 'via fallback');
    await closeServer(plain.server);
  }),
);

t('ARC-5: an established SAN connection that fails never falls back to TCP', () =>
  withRecordedShm(async () => {
    const server = createServer((s) => s.once('data', () => s.resetAndDestroy()));
    const port = await listen(server, 0);
    let tcpConnections = 0;
    server.on('connection', (s) => (tcpConnections += s.transport === 'tcp' ? 1 : 0));
    const socket = connect(port, '127.0.0.1', () => socket.write('x'));
    const err = await nextError(socket);
    assert.is(err.code, 'ECONNRESET');
    assert.is(socket.transport, 'shm');
    await new Promise((r) => setTimeout(r, 30));
    assert.is(tcpConnections, 0);
    await closeServer(server);
  }),
);

t('connect with an already-aborted signal fails with AbortError and never routes', () =>
  withRecordedShm(async (log) => {
    const socket = connect({ port: 9, host: '127.0.0.1', signal: AbortSignal.abort('early') });
    const err = (await nextError(socket)) as Error & { code?: string; cause?: unknown };
    assert.is(err.code, 'ABORT_ERR');
    assert.is(err.cause, 'early');
    assert.not.ok(log.calls.includes('socket'));
  }),
);

t('route decisions are published on the sanswitch:route diagnostics channel', () =>
  withRecordedShm(async () => {
    const seen: RouteMessage[] = [];
    const onMessage = (m: unknown): void => void seen.push(m as RouteMessage);
    subscribe(ROUTE_CHANNEL, onMessage);
    try {
      const plain = await plainServer();
      const socket = connect(plain.port, '127.0.0.1');
      await within(2000, once(socket, 'connect'));
      socket.destroy();
      await closeServer(plain.server);
    } finally {
      unsubscribe(ROUTE_CHANNEL, onMessage);
    }
    const last = seen.at(-1);
    assert.equal(last && { ...last, port: 0 }, {
      op: 'connect',
      address: '127.0.0.1',
      port: 0,
      transport: 'tcp',
      fallbackReason: 'no-san-listener',
      provider: 'shm',
    });
  }),
);

t('BLK-2: a client that abandons its connect as the server answers leaves no connection', () =>
  withRecordedShm(async (log) => {
    const controller = new AbortController();
    let connections = 0;
    // The abort runs after the answer is sent and before the client's loop reads it.
    const filter = (): boolean => {
      setImmediate(() => controller.abort());
      return true;
    };
    const server = createServer({ acceptFilter: filter }, (s) => {
      connections += 1;
      s.on('error', () => {});
      s.resume();
    });
    const port = await listen(server, 0, '127.0.0.1');
    const socket = connect({ port, host: '127.0.0.1', signal: controller.signal });
    const err = (await nextError(socket)) as Error & { code?: string };
    assert.is(err.code, 'ABORT_ERR');
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(log.calls.includes('condition:true'), 'the server answered');
    assert.is(connections, 0, 'the server application never saw it');
    const next = connect(port, '127.0.0.1');
    await within(2000, once(next, 'connect'));
    assert.is(next.transport, 'shm');
    next.destroy();
    await closeServer(server);
    assert.is(connections, 1);
  }),
);

t.run();
