// CoreExports (src/wasm/core.ts, hand-written) against the module's real exports: every
// function the core exports is typed there, every typed one exists, so TypeScript can never
// call what the core does not have, and the core exports nothing its callers do not know.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { coreModule } from '../src/wasm/core.js';

/** The member names of `interface CoreExports` in src/wasm/core.ts. */
function typedNames(): string[] {
  const source = readFileSync(new URL('../src/wasm/core.ts', import.meta.url), 'utf8');
  const start = source.indexOf('export interface CoreExports {');
  const end = source.indexOf('\n}\n', start);
  assert.ok(start >= 0 && end > start, 'CoreExports found in src/wasm/core.ts');
  return [...source.slice(start, end).matchAll(/^\s+(\w+)\(/gm)].map(([, name]) => name!);
}

test('ARC: CoreExports names exactly the functions the core module exports', () => {
  const exported = WebAssembly.Module.exports(coreModule())
    .filter((entry) => entry.kind === 'function')
    .map((entry) => entry.name)
    .sort();
  const typed = typedNames().sort();
  assert.equal(
    typed.filter((name) => !exported.includes(name)),
    [],
    'typed but not exported',
  );
  assert.equal(
    exported.filter((name) => !typed.includes(name)),
    [],
    'exported but not typed',
  );
});

test.run();
