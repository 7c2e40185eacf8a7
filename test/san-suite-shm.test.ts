// The SAN provider conformance suite (helpers/san-suite.ts) over shm: this process and its
// peers keep only the shm provider registered.
import { registry } from '../src/index.js';
import { sanSuite } from './helpers/san-suite.js';

for (const provider of registry.list()) if (provider.id !== 'shm') registry.unregister(provider.id);

sanSuite({ transport: 'shm', refusesWhileBusy: true }).run();
