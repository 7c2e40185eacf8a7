// Builds the N-API shim with node-gyp during `npm install`. A failed build must not fail the
// install: the package then runs without the providers that need the shim, and
// build/native-status.json records why (read by src/native/addon.ts and `sanswitch doctor`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const statusPath = join(root, 'build', 'native-status.json');

/** node-gyp as npm runs it in lifecycle scripts, else npm's bundled copy, else the PATH. */
function nodeGypCommand() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return [process.execPath, fromNpm];
  const bundled = join(
    dirname(process.execPath),
    '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
  );
  if (existsSync(bundled)) return [process.execPath, bundled];
  return ['node-gyp'];
}

/**
 * Where Node's headers are: npm's `nodedir` setting, else this Node's own install prefix.
 * Passing it keeps node-gyp from trying to download headers (machines here are offline).
 */
function nodeDirArgs() {
  const prefix = dirname(dirname(process.execPath));
  const nodedir =
    process.env.npm_config_nodedir ||
    (existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined);
  return nodedir ? [`--nodedir=${nodedir}`] : [];
}

function run(command, args) {
  return spawnSync(command, args, {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

mkdirSync(dirname(statusPath), { recursive: true });
const layout = run(process.execPath, [join(root, 'scripts', 'gen-layout.mjs')]);
const [gyp, ...gypArgs] = nodeGypCommand();
const build =
  layout.status === 0
    ? run(gyp, [...gypArgs, 'rebuild', '--directory', 'native', ...nodeDirArgs()])
    : layout;
const ok = build.status === 0;
const output = `${build.stdout ?? ''}${build.stderr ?? ''}${build.error ? String(build.error) : ''}`;
const reason = ok
  ? null
  : `native build failed (exit ${build.status}): ${output.trim().split('\n').slice(-8).join('\n')}`;
writeFileSync(
  statusPath,
  `${JSON.stringify({ ok, reason, builtAt: new Date().toISOString() }, null, 2)}\n`,
);
if (ok) console.log('sanswitch: native shim built');
else
  console.warn(
    `sanswitch: ${reason}\nsanswitch: continuing without the native shim (shm and fabric unavailable)`,
  );
