// The preload's scope (src/register/scope.ts): what the SANSWITCH_PRELOAD_* variables and the
// config file select, and the error a bad setting gets.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coversHost, coversPort, coversProgram, preloadScope } from '../src/register/scope.js';

test('no variables: everything is switched', () => {
  const scope = preloadScope({});
  assert.ok(coversProgram(scope, '/srv/app.mjs'));
  assert.ok(coversPort(scope, 8080) && coversHost(scope, undefined));
});

test('ports, hosts and programs limit it; off turns it off', () => {
  const scope = preloadScope({
    SANSWITCH_PRELOAD_PORTS: '80, 3000-3999',
    SANSWITCH_PRELOAD_HOSTS: 'db.local,10.0.0.5',
    SANSWITCH_PRELOAD_PROGRAMS: 'api.mjs',
  });
  assert.equal(
    [80, 3000, 3999, 81, 4000].map((p) => coversPort(scope, p)),
    [true, true, true, false, false],
  );
  assert.ok(coversHost(scope, 'db.local'));
  assert.not.ok(coversHost(scope, undefined), 'absent is localhost, not listed');
  assert.ok(coversProgram(scope, '/srv/api.mjs'));
  assert.not.ok(coversProgram(scope, '/srv/worker.mjs'));
  assert.not.ok(coversProgram(preloadScope({ SANSWITCH_PRELOAD: 'OFF' }), '/srv/api.mjs'));
});

test('the config file sets the same, each variable overrides it', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'sanswitch-scope-')), 'scope.json');
  writeFileSync(path, JSON.stringify({ enabled: true, ports: [7000], hosts: ['a'] }));
  const scope = preloadScope({ SANSWITCH_PRELOAD_CONFIG: path, SANSWITCH_PRELOAD_HOSTS: 'b' });
  assert.ok(coversPort(scope, 7000) && !coversPort(scope, 7001));
  assert.ok(coversHost(scope, 'b') && !coversHost(scope, 'a'));
  writeFileSync(path, JSON.stringify({ enabled: false }));
  assert.not.ok(preloadScope({ SANSWITCH_PRELOAD_CONFIG: path }).enabled);
});

test('a bad setting fails the preload with ERR_INVALID_ARG_VALUE, naming it', () => {
  for (const env of [
    { SANSWITCH_PRELOAD_PORTS: '80-70' },
    { SANSWITCH_PRELOAD_PORTS: 'http' },
    { SANSWITCH_PRELOAD_PORTS: '70000' },
    { SANSWITCH_PRELOAD_CONFIG: '/nonexistent/scope.json' },
  ]) {
    try {
      preloadScope(env);
      assert.unreachable(JSON.stringify(env));
    } catch (err) {
      assert.is((err as { code?: string }).code, 'ERR_INVALID_ARG_VALUE');
      assert.match((err as Error).message, Object.keys(env)[0] as string);
    }
  }
});

test.run();
