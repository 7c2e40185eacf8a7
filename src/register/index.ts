// `sanswitch/register`: the preload that switches an unmodified app (`node --import
// sanswitch/register app.mjs`, `node -r sanswitch/register app.cjs`, or either through
// NODE_OPTIONS). It replaces node:net's client entry points and the listening half of
// net.Server, within the scope the environment sets (scope.ts), then re-syncs ESM named
// imports of node builtins. The package's TCP provider took node:net's originals before.
import { syncBuiltinESMExports } from 'node:module';
import { debuglog } from 'node:util';
import '../index.js';
import { coversProgram, preloadScope } from './scope.js';
import { patchClient } from './client.js';
import { patchServer } from './server.js';

const debug = debuglog('sanswitch');
const kInstalled = Symbol.for('sanswitch.register.installed');
const scope = preloadScope();
const installed = (globalThis as Record<symbol, unknown>)[kInstalled] === true;

if (!installed && coversProgram(scope)) {
  (globalThis as Record<symbol, unknown>)[kInstalled] = true;
  patchClient(scope);
  patchServer(scope);
  syncBuiltinESMExports();
  debug('preload: installed (ports %j, hosts %j)', scope.ports, scope.hosts && [...scope.hosts]);
} else {
  debug('preload: not installed (%s)', installed ? 'already installed' : 'out of scope');
}
