// The provider registry and address table (INS-3, INS-4, INIT-5, INIT-6, INIT-7), driven with
// the SAN provider double (a TEST DOUBLE: the real SAN providers come in the next issue).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { once } from 'node:events';
import { connect, createServer, providers, refreshAddresses, registry } from '../src/index.js';
import { SanDouble } from './helpers/san-double.js';
import {
  closeServer,
  listen,
  readAll,
  withDouble,
  withDoubles,
  within,
  restoreDefaults,
  stepAsideDefaults,
} from './helpers/san-double-harness.js';

const t = suite('switch: registry and address table');
t.before(stepAsideDefaults);
t.after(restoreDefaults);

t('INS-3: register/unregister emit change; list() and providers() follow', () => {
  const double = new SanDouble('later');
  const changes: unknown[] = [];
  const onChange = (c: unknown): void => void changes.push(c);
  registry.on('change', onChange);
  try {
    registry.register(double);
    assert.ok(registry.list().includes(double));
    assert.equal(
      providers().map((p) => p.id),
      ['tcp', 'later'],
    );
    registry.unregister('later');
    assert.not.ok(registry.list().includes(double));
  } finally {
    registry.off('change', onChange);
  }
  assert.equal(changes, [
    { type: 'register', id: 'later' },
    { type: 'unregister', id: 'later' },
  ]);
});

t('INS-3: bad registrations are refused with stable codes', () => {
  const code = (fn: () => void): string | undefined => {
    try {
      fn();
    } catch (err) {
      return (err as { code?: string }).code;
    }
    return undefined;
  };
  assert.is(
    code(() => registry.register(new SanDouble('tcp'))),
    'ERR_SANSWITCH_PROVIDER_EXISTS',
  );
  assert.is(
    code(() => registry.register({ id: 'x' } as never)),
    'ERR_SANSWITCH_INVALID_PROVIDER',
  );
  assert.is(
    code(() => registry.register(null as never)),
    'ERR_INVALID_ARG_TYPE',
  );
  assert.is(
    code(() => registry.unregister('nope')),
    'ERR_SANSWITCH_UNKNOWN_PROVIDER',
  );
  registry.register(new SanDouble('twice'));
  try {
    assert.is(
      code(() => registry.register(new SanDouble('twice'))),
      'ERR_SANSWITCH_PROVIDER_EXISTS',
    );
  } finally {
    registry.unregister('twice');
  }
});

t('providers(): an unavailable provider is listed with its reason and never started', () => {
  const double = new SanDouble('absent');
  double.available = false;
  double.reason = 'no RDMA device';
  return withDoubles([double], async () => {
    assert.equal(providers()[1], {
      id: 'absent',
      version: '0.0.0-double',
      available: false,
      reason: 'no RDMA device',
    });
    assert.is(double.refcount.count, 0);
  });
});

t('INS-4: a provider registered after a wildcard listener started gets that listener', async () => {
  const server = createServer((s) => s.resume().end(s.transport ?? ''));
  const port = await listen(server, 0);
  assert.equal(server.transports(), ['tcp']);
  await withDouble(async (double) => {
    assert.equal(server.transports(), ['tcp', 'double']);
    assert.is([...double.listeners][0]?.port, port);
    assert.is(await readAll(connect(port, '127.0.0.1')), 'double');
  });
  assert.equal(server.transports(), ['tcp'], 'unregistering closes its companion');
  await closeServer(server);
});

t('INIT-5: the table maps the addresses each provider lists to that provider', () =>
  withDoubles(
    [new SanDouble('dbla', ['10.255.255.0/24']), new SanDouble('dblb', ['127.0.0.0/8'])],
    async () => {
      const server = createServer((s) => s.resume().end(s.transport ?? ''));
      const port = await listen(server, 0);
      assert.is(await readAll(connect(port, '127.0.0.1')), 'dblb');
      await closeServer(server);
    },
  ),
);

t('INIT-6: after an address change every provider is queried again', () =>
  withDouble(async (double) => {
    const server = createServer((s) => s.resume());
    const port = await listen(server, 0);
    double.addresses = [];
    refreshAddresses();
    const tcp = connect(port, '127.0.0.1');
    await within(2000, once(tcp, 'connect'));
    assert.is(tcp.fallbackReason, 'not-san-address');
    double.addresses = ['127.0.0.1'];
    refreshAddresses();
    const san = connect(port, '127.0.0.1');
    await within(2000, once(san, 'connect'));
    assert.is(san.transport, 'double');
    tcp.destroy();
    san.destroy();
    await closeServer(server);
  }),
);

t('INIT-7: start-up is reference counted; only the last cleanup cleans up', () => {
  const double = new SanDouble('counted');
  registry.register(double);
  assert.is(double.refcount.count, 1);
  double.startup();
  registry.unregister('counted');
  assert.is(double.refcount.count, 1);
  assert.is(double.realCleanups, 0);
  double.cleanup();
  assert.is(double.realCleanups, 1);
  assert.throws(
    () => double.cleanup(),
    (e: { code?: string }) => e.code === 'ERR_SANSWITCH_NOT_INITIALISED',
  );
});

t.run();
