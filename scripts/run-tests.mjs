// Runs every uvu suite under test/ (files named *.test.ts), each file in a process of its own
// under the TypeScript loader and the watchdog (scripts/test-watchdog.mjs), one at a time
// since many are timed across processes on a 2-core machine. A file that hangs is stopped at
// its limit and named; a crashed file counts as failed. Prints each failing file, then the
// plain closing line "N passed, N failed" for CI.
// Usage: node scripts/run-tests.mjs [pattern]   (a regex over file paths, default all)
// SANSWITCH_TEST_LIMIT_MS sets the per-file limit (default 120000).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { stripVTControlCharacters } from 'node:util';

const LIMIT_MS = Number(process.env.SANSWITCH_TEST_LIMIT_MS ?? 120_000);
/** Past the watchdog's limit the file's process is killed from outside (its loop may be stuck). */
const KILL_AFTER_MS = LIMIT_MS + 10_000;
const IGNORED = new Set(['helpers', 'fixtures', 'corpus']);

function testFiles(dir, pattern) {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && !IGNORED.has(entry.name)) files.push(...testFiles(path, pattern));
    else if (entry.isFile() && entry.name.endsWith('.test.ts') && pattern.test(path)) {
      files.push(path);
    }
  }
  return files;
}

function count(plain, label) {
  return Number(new RegExp(`${label}:\\s+(\\d+)`).exec(plain)?.[1] ?? 0);
}

/** Runs one file; resolves with its counts and whether it failed as a whole. */
function runFile(file) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--import', './scripts/test-watchdog.mjs', file],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, SANSWITCH_TEST_FILE: file, SANSWITCH_TEST_LIMIT_MS: LIMIT_MS },
      },
    );
    let output = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      output += chunk;
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      const plain = stripVTControlCharacters(output);
      const total = count(plain, 'Total');
      const passed = count(plain, 'Passed');
      const skipped = count(plain, 'Skipped');
      const ok = code === 0 && signal === null && total > 0;
      resolve({ passed, skipped, failed: ok ? 0 : Math.max(1, total - passed - skipped), ok });
    });
  });
}

const pattern = new RegExp(process.argv[2] ?? '\\.test\\.ts$');
const files = testFiles('test', pattern);
const totals = { passed: 0, failed: 0, skipped: 0 };
const failedFiles = [];
for (const file of files) {
  process.stdout.write(`\n${relative('.', file)}\n`);
  const result = await runFile(file);
  totals.passed += result.passed;
  totals.failed += result.failed;
  totals.skipped += result.skipped;
  if (!result.ok) failedFiles.push(file);
}
if (files.length === 0) console.log(`no test file matches ${pattern}`);
for (const file of failedFiles) console.log(`FAILED: ${file}`);
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exitCode = failedFiles.length > 0 || files.length === 0 ? 1 : 0;
