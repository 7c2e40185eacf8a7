// Listening where the real shm provider cannot show the rule, driven with the SAN provider
// double (a TEST DOUBLE): two providers serving different subnets (SEL-1) and a companion that
// fails to listen (CB-7). LIS-1..5 and ACC-2..6 on the real shm provider: switch-listen-shm.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { createServer } from '../src/index.js';
import { SanDouble, type DoubleSocket } from './helpers/san-double.js';
import {
  closeServer,
  listen,
  readAll,
  withDouble,
  withDoubles,
  restoreDefaults,
  stepAsideDefaults,
} from './helpers/san-double-harness.js';

const t = suite('switch: listen with the double');
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

t.run();
