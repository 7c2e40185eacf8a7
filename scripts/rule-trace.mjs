// Traces every numbered rule of the WSD spec (../shared/spec/wsd-rules.md, or the path given)
// to the tests named after it: `node scripts/rule-trace.mjs [SPEC]` prints, per rule group,
// the rules with tests and the rules no test names yet. Ranges in test names count
// ("ACC-2..6" names ACC-2 to ACC-6).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const specPath = process.argv[2] ?? join(root, '..', 'shared', 'spec', 'wsd-rules.md');
const RULE = /^- ([A-Z]+)-(\d+) /;
const MENTION = /\b([A-Z]+)-(\d+)(?:\.\.(\d+))?/g;

function testFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const rules = readFileSync(specPath, 'utf8')
  .split('\n')
  .map((line) => RULE.exec(line))
  .filter(Boolean)
  .map(([, group, number]) => `${group}-${number}`);

const traced = new Map(rules.map((rule) => [rule, new Set()]));
for (const file of testFiles(join(root, 'test'))) {
  // Test titles are the first string argument of a test call: t('…', or test('…',
  for (const [, title] of readFileSync(file, 'utf8').matchAll(
    /\b(?:t|test)\(\s*['`"](.+?)['`"],/gs,
  )) {
    for (const [, group, first, last] of title.matchAll(MENTION)) {
      for (let n = Number(first); n <= Number(last ?? first); n++) {
        traced.get(`${group}-${n}`)?.add(relative(root, file));
      }
    }
  }
}

const groups = [...new Set(rules.map((rule) => rule.split('-')[0]))];
let count = 0;
for (const group of groups) {
  const inGroup = rules.filter((rule) => rule.startsWith(`${group}-`));
  const done = inGroup.filter((rule) => traced.get(rule).size > 0);
  count += done.length;
  const missing = inGroup.filter((rule) => traced.get(rule).size === 0);
  console.log(
    `${group.padEnd(6)} ${done.length}/${inGroup.length}${missing.length ? `  untraced: ${missing.join(' ')}` : ''}`,
  );
}
console.log(`${count} of ${rules.length} rules are named by a test`);
