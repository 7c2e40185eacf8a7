// The provider registry and address table (INS-3, INS-4, INIT-5, INIT-6, INIT-7), driven with
// a real shm provider registered under another id where that can show the rule, else with
// the SAN provider double (a TEST DOUBLE: address lists of other subnets, failing probes). The
// address poll is shown an interface change through os.networkInterfaces itself: Node's
// syncBuiltinESMExports() carries a replaced export to every module that imported it.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { once } from 'node:events';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import type { NetworkInterfaceInfo } from 'node:os';
import { ADDRESS_POLL_MS, addressTable } from '../src/switch/address-table.js';
import {
  connect,
  createServer,
  createShmProvider,
  providers,
  refreshAddresses,
  registry,
} from '../src/index.js';
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
  const later = createShmProvider({ id: 'later' });
  const changes: unknown[] = [];
  const onChange = (c: unknown): void => void changes.push(c);
  registry.on('change', onChange);
  try {
    registry.register(later);
    assert.ok(registry.list().includes(later));
    assert.equal(
      providers().map((p) => p.id),
      ['tcp', 'later'],
    );
    registry.unregister('later');
    assert.not.ok(registry.list().includes(later));
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
    code(() => registry.register(createShmProvider({ id: 'tcp' }))),
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
  registry.register(createShmProvider({ id: 'twice' }));
  try {
    assert.is(
      code(() => registry.register(createShmProvider({ id: 'twice' }))),
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
  // A real shm provider under its own id: the companion it gets is a real shm listener.
  const server = createServer((s) => s.resume().end(s.transport ?? ''));
  const port = await listen(server, 0);
  assert.equal(server.transports(), ['tcp']);
  registry.register(createShmProvider({ id: 'shm-later' }));
  try {
    assert.equal(server.transports(), ['tcp', 'shm-later']);
    assert.is(await readAll(connect(port, '127.0.0.1')), 'shm-later');
  } finally {
    registry.unregister('shm-later');
  }
  assert.equal(server.transports(), ['tcp'], 'unregistering closes its companion');
  const tcp = connect(port, '127.0.0.1');
  assert.is(await readAll(tcp), 'tcp');
  assert.is(tcp.fallbackReason, 'no-san-provider');
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

/** node:os's CommonJS exports, which syncBuiltinESMExports() copies to its ES module. */
const os = createRequire(import.meta.url)('node:os') as {
  networkInterfaces: () => NodeJS.Dict<NetworkInterfaceInfo[]>;
};

/** An interface the host does not have, on a subnet no test uses. */
const SAN0: NetworkInterfaceInfo = {
  address: '10.213.0.1',
  netmask: '255.255.0.0',
  family: 'IPv4',
  mac: '02:00:00:00:00:01',
  internal: false,
  cidr: '10.213.0.1/16',
};

/** Runs `fn` while os.networkInterfaces() lists interface `name` besides the real ones. */
async function withInterface<T>(
  name: string,
  info: NetworkInterfaceInfo,
  fn: () => Promise<T>,
): Promise<T> {
  const real = os.networkInterfaces;
  os.networkInterfaces = () => ({ ...real(), [name]: [info] });
  syncBuiltinESMExports();
  try {
    return await fn();
  } finally {
    os.networkInterfaces = real;
    syncBuiltinESMExports();
  }
}

t('INIT-6: the poll alone rebuilds the table once the interfaces change', () =>
  withDouble(async (double) => {
    const server = createServer((s) => s.resume().end(s.transport ?? ''));
    const port = await listen(server, 0);
    try {
      assert.is(addressTable.lookup('127.0.0.1'), double);
      // The provider now serves only the new interface's subnet; nobody refreshes the table.
      double.addresses = ['10.213.0.0/16'];
      const queried = double.calls.filter((c) => c === 'addressList').length;
      await withInterface('sanswitch0', SAN0, async () => {
        const limit = 3 * ADDRESS_POLL_MS;
        const started = Date.now();
        while (addressTable.lookup('10.213.4.5') !== double) {
          assert.ok(Date.now() - started < limit, `the table was not rebuilt within ${limit} ms`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      });
      assert.ok(double.calls.filter((c) => c === 'addressList').length > queried);
      assert.is(addressTable.lookup('127.0.0.1'), undefined);
      const tcp = connect(port, '127.0.0.1');
      assert.is(await readAll(tcp), 'tcp');
      assert.is(tcp.fallbackReason, 'not-san-address');
    } finally {
      await closeServer(server);
    }
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
