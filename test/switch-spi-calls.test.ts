// Which SPI operations the switch uses over a whole connection life (PRV-2, BLK-1, CLS-1):
// the real shm provider's sockets are wrapped so that every method the switch looks up is
// recorded, whether the SPI defines it or not; shutdown, half-close, cancellation and the
// address calls must never reach the provider (the switch does them in its session protocol).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { once } from 'node:events';
import { connect, createServer } from '../src/index.js';
import { registry } from '../src/switch/registry.js';
import { createShmProvider } from '../src/providers/shm/index.js';
import { recordingProvider } from './helpers/recording-provider.js';
import {
  closeServer,
  listen,
  restoreDefaults,
  stepAsideDefaults,
  within,
} from './helpers/san-double-harness.js';

/** The SanSocket operations the switch may call (PRV-1's required SPI, as ours names them). */
const SPI_SOCKET_OPS = new Set([
  'bind',
  'listen',
  'eventSelect',
  'setOptions',
  'accept',
  'connect',
  'conduit',
  'ref',
  'unref',
  'close',
]);

test.before(stepAsideDefaults);
test.after(restoreDefaults);

test('PRV-2, BLK-1, CLS-1: a connection life calls only SPI socket operations', async () => {
  const { provider, log } = recordingProvider(createShmProvider());
  const { looked } = log;
  registry.register(provider);
  try {
    const server = createServer({ allowHalfOpen: true }, (s) => {
      s.on('error', () => {});
      s.on('data', (chunk: Buffer) => s.write(chunk));
      s.on('end', () => s.end());
    });
    const port = await listen(server, 0);
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    await within(2000, once(socket, 'connect'));
    assert.is(socket.transport, 'shm');
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 1000);
    socket.write('ping');
    await within(2000, once(socket, 'data'));
    socket.end();
    socket.resume();
    await within(2000, once(socket, 'close'));
    // An aborted connect and an abortive close as well.
    const controller = new AbortController();
    const aborted = connect({ port, host: '127.0.0.1', signal: controller.signal });
    const abortedClosed = new Promise((resolve) => aborted.once('close', resolve));
    aborted.on('error', () => {});
    controller.abort();
    await within(2000, abortedClosed);
    const reset = connect(port, '127.0.0.1');
    await within(2000, once(reset, 'connect'));
    const resetClosed = new Promise((resolve) => reset.once('close', resolve));
    reset.resetAndDestroy();
    await within(2000, resetClosed);
    await closeServer(server);
    const unexpected = [...looked].filter((op) => !SPI_SOCKET_OPS.has(op));
    assert.equal(unexpected, [], `the switch looked up ${unexpected.join(', ')}`);
    for (const op of ['listen', 'accept', 'connect', 'conduit', 'close'])
      assert.ok(looked.has(op), op);
  } finally {
    registry.unregister(provider.id);
  }
});

test.run();
