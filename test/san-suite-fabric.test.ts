// The SAN provider conformance suite (helpers/san-suite.ts) over fabric: libfabric's tcp
// provider between this process and its peers on 127.0.0.1 (SANSWITCH_FABRIC_LOOPBACK=1 lets
// fabric serve the loopback interface, which this host's clients otherwise reach over shm).
// Only the fabric provider stays registered here and in the peers. Skips, saying why, where
// libfabric is not there.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createFabricProvider, registry } from '../src/index.js';
import { fabricMissing } from '../src/providers/fabric/native.js';
import { sanSuite } from './helpers/san-suite.js';

process.env.SANSWITCH_FABRIC_LOOPBACK = '1';
for (const provider of registry.list()) registry.unregister(provider.id);
registry.register(createFabricProvider({ loopback: true }));

const missing = fabricMissing();
if (missing) {
  // Without libfabric the suite cannot run; what can be checked is that fabric says why and
  // that connections then never claim to run over it.
  console.log(`  SAN suite over fabric not run: ${missing}`);
  test('fabric is unavailable here, says why, and is not selected', () => {
    const fabric = registry.status().find((p) => p.id === 'fabric');
    assert.is(fabric?.available, false);
    assert.match(fabric?.reason ?? '', /native shim|libfabric/);
  });
  test.run();
} else {
  sanSuite({ transport: 'fabric', refusesWhileBusy: false }).run();
}
