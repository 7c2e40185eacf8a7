// The layering check (scripts/check-layers.mjs): src/ passes it, and it fails, naming the
// import, on a tree with an upward import, an import past the switch, or a cycle.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../scripts/check-layers.mjs', import.meta.url));

function check(root?: string): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [SCRIPT, ...(root ? [root] : [])], { encoding: 'utf8' });
  return { status: run.status, output: run.stdout + run.stderr };
}

/** A throwaway src/ holding `files` (path → source); removed after `body`. */
function withTree(files: Record<string, string>, body: (root: string) => void): void {
  const root = mkdtempSync(join(tmpdir(), 'sanswitch-layers-'));
  try {
    for (const [path, source] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), source);
    }
    body(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('ARC: the imports of src/ point downward, with no cycle', () => {
  const { status, output } = check();
  assert.is(status, 0, output);
});

test('ARC: an upward import fails the check and is named', () => {
  withTree(
    {
      'net/socket.ts': 'export const a = 1;\n',
      'session/pump.ts': "import { a } from '../net/socket.js';\nexport const b = a;\n",
    },
    (root) => {
      const { status, output } = check(root);
      assert.is(status, 1);
      assert.match(output, 'upward import: session/pump (session) → net/socket');
    },
  );
});

test('ARC: net importing a provider past the switch fails the check', () => {
  withTree(
    {
      'providers/tcp/index.ts': 'export const a = 1;\n',
      'net/server.ts': "import { a } from '../providers/tcp/index.js';\nexport const b = a;\n",
    },
    (root) => {
      const { status, output } = check(root);
      assert.is(status, 1);
      assert.match(output, 'import past the switch: net/server → providers/tcp/index');
    },
  );
});

test('ARC: a cycle within one layer fails the check', () => {
  withTree(
    {
      'switch/a.ts': "import { b } from './b.js';\nexport const a = b;\n",
      'switch/b.ts': "import type { a } from './a.js';\nexport const b = 1 as typeof a;\n",
    },
    (root) => {
      const { status, output } = check(root);
      assert.is(status, 1);
      assert.match(output, 'cycle: switch/a → switch/b → switch/a');
    },
  );
});

test.run();
