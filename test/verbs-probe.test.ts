// The verbs provider's probe: libibverbs is asked for RDMA devices (these machines have none,
// and ibv_get_device_list returns NULL), the provider is listed unavailable with why, and a
// connection never runs over it. The verbs data path is not built yet.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { once } from 'node:events';
import { connect, createServer, providers, VERBS_PROVIDER_ID } from '../src/index.js';
import { loadNative } from '../src/native/addon.js';
import { verbsProvider } from '../src/providers/verbs/index.js';

const REASONS =
  /^(no RDMA device \(ibv_get_device_list: .+\)|the native shim was built without libibverbs .+|the native shim is not loaded .+|RDMA devices found \(.+\), but the verbs data path is not built yet)$/;

test('INIT-5: the verbs provider is registered, unavailable, says why, and lists no address', () => {
  const verbs = providers().find((p) => p.id === VERBS_PROVIDER_ID);
  assert.ok(verbs, 'verbs is registered by default');
  assert.is(verbs.available, false);
  assert.match(verbs.reason ?? '', REASONS);
  assert.equal(verbsProvider.addressList(), []);
});

test('the shim lists libibverbs devices, or says why it cannot', () => {
  const { addon } = loadNative();
  assert.ok(addon, 'the native shim loads here');
  const probe = addon.verbsProbe();
  assert.type(probe.built, 'boolean');
  assert.ok(Array.isArray(probe.devices));
  if (!probe.built) {
    console.log('  verbs: the shim was built without libibverbs headers');
    assert.equal(probe.devices, []);
    return;
  }
  // A device list, or the error that explains its absence: never neither.
  assert.ok(probe.devices.length > 0 || typeof probe.error === 'string', JSON.stringify(probe));
});

test('SEL-2: an unavailable verbs provider never carries a connection', async () => {
  const server = createServer((socket) => socket.resume().end(socket.transport ?? ''));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    assert.not.ok(server.transports().includes(VERBS_PROVIDER_ID));
    const { port } = server.address() as { port: number };
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    assert.is.not(socket.transport, VERBS_PROVIDER_ID);
    socket.resume();
    await once(socket, 'close');
  } finally {
    server.close();
  }
});

test.run();
