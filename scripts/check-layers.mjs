// Checks that imports inside src/ point downward only (ARCHITECTURE.md's layers): a module
// may import modules of its own layer or of a lower one, never of a higher one; the net
// layer reaches providers only through the switch; and no modules import each other in a
// cycle. `npm run layers` (or `node scripts/check-layers.mjs [SRC_DIR]`); part of `npm run lint`.
// Prints each offending import and exits 1; prints a one-line summary and exits 0 otherwise.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'src'));

/**
 * Layers from the top (0) down. A path is placed by its first matching prefix (relative to
 * src/, without extension); `types`, `errors` and `buffers` (registered memory's
 * bookkeeping) are the neutral bottom every layer uses.
 */
const LAYERS = [
  ['index', 'cli', 'register'],
  ['net'],
  ['switch'],
  ['providers'],
  ['session'],
  ['wasm', 'native'],
  ['types', 'errors', 'buffers'],
];

/** Layers a layer never imports although they lie below it: the switch stands between. */
const NEVER = {
  net: ['providers', 'session', 'wasm', 'native'],
  switch: ['session', 'wasm', 'native'],
};

const topOf = (module) => module.split('/')[0];

function layerOf(module) {
  const index = LAYERS.findIndex((names) =>
    names.some((name) => module === name || module.startsWith(`${name}/`)),
  );
  if (index < 0) throw new Error(`check-layers: ${module} is in no layer; add it to LAYERS`);
  return index;
}

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const moduleName = (path) => relative(root, path).replace(/\.(ts|js)$/, '');
const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/gm;

/** Every relative import of every source: module → the modules it imports. */
const graph = new Map();
for (const file of sources(root)) {
  const text = readFileSync(file, 'utf8');
  const targets = [...text.matchAll(IMPORT)].map(([, spec]) =>
    moduleName(resolve(dirname(file), spec)),
  );
  graph.set(moduleName(file), [...new Set(targets)]);
}

const problems = [];
for (const [module, targets] of graph) {
  for (const target of targets) {
    if (layerOf(target) < layerOf(module)) {
      problems.push(`upward import: ${module} (${LAYERS[layerOf(module)][0]}) → ${target}`);
    } else if (NEVER[topOf(module)]?.includes(topOf(target))) {
      problems.push(`import past the switch: ${module} → ${target}`);
    }
  }
}

// Cycles: a depth-first search that reports each back edge once.
const state = new Map();
function visit(module, path) {
  state.set(module, 'open');
  for (const target of graph.get(module) ?? []) {
    if (state.get(target) === 'open') {
      const cycle = [...path.slice(path.indexOf(target)), target];
      problems.push(`cycle: ${cycle.join(' → ')}`);
    } else if (!state.has(target)) visit(target, [...path, target]);
  }
  state.set(module, 'done');
}
for (const module of graph.keys()) if (!state.has(module)) visit(module, [module]);

if (problems.length > 0) {
  for (const problem of problems) console.log(problem);
  console.log(`check-layers: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log(`check-layers: ${graph.size} modules, imports point downward, no cycle`);
