// Runs every uvu suite under test/ (files named *.test.ts) in one Node process with the
// TypeScript loader, then prints the plain closing line "N passed, N failed" for CI.
// Usage: node scripts/run-tests.mjs [pattern]   (a regex over file paths, default all)
import { spawn } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';

const pattern = process.argv[2] ?? '\\.test\\.ts$';
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    'node_modules/uvu/bin.js',
    'test',
    pattern,
    '-i',
    'helpers',
    '-i',
    'fixtures',
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
let output = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  output += chunk;
});
child.on('close', (code, signal) => {
  // uvu's summary: "Total: N", "Passed: N", "Skipped: N" (with colour codes around them).
  const plain = stripVTControlCharacters(output);
  const count = (label) => Number(new RegExp(`${label}:\\s+(\\d+)`).exec(plain)?.[1] ?? 0);
  const total = count('Total');
  const passed = count('Passed');
  const skipped = count('Skipped');
  const failed = code === 0 ? total - passed - skipped : Math.max(1, total - passed - skipped);
  console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exitCode = code ?? (signal ? 1 : 0);
});
