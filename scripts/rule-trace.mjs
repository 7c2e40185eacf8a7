// Traces every rule the project states in spec/*.md (one file per rule group, named after
// it: spec/lis.md holds LIS-1, LIS-2, …; each rule a bullet that opens with its bold ID,
// `- **LIS-6** …`) to the tests and code named after it. Reads nothing outside the
// repository. A rule ID is GROUP-N where a spec file is named after GROUP, so "AES-128" is
// none. `node scripts/rule-trace.mjs [--verbose]` prints, per group, in the order
// spec/README.md lists the files, each rule's status:
//   tested                a test title names it (ranges count: "ACC-2..6" names ACC-2 to
//                         ACC-6, and "BLK-4/5" names BLK-4 and BLK-5);
//   implemented-untested  the spec says what the code does, but no test title names it;
//   not applicable        its bullet opens with "Not applicable:";
//   not yet               its bullet opens with "Not yet:";
// then the totals. Rules whose bullet says "Not yet:" further on are listed as partly done.
// `--verbose` also prints where each rule is traced: test files, code citing it, paths the
// spec names. Exits 1, saying why, when the spec has drifted from the code: an ID in a test
// title, or in src/, assembly/ or native/, that no spec file states; an ID stated twice, in
// the wrong group's file, or leaving a gap in its group's numbering; an ID the spec prose
// cites that it does not state; a test title naming a rule the spec calls not applicable or
// not yet; an implemented rule with no place named (no code citing it, no path in its bullet
// or its file's introduction); a path in backquotes that does not exist; a spec file that
// spec/README.md does not list, or a listed one that is missing.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const verbose = process.argv.includes('--verbose');
const specDir = join(root, 'spec');
const CODE_DIRS = ['src', 'assembly', 'native'];
const CODE_FILE = /\.(?:ts|mjs|js|c|h|cc)$/;
const SKIP_DIRS = new Set(['node_modules', 'build', 'dist']);
/** An ID, optionally a range (`ACC-2..6`) or a second number (`BLK-4/5`). */
const MENTION = /\b([A-Z]+)-(\d+)(?:\.\.(\d+)|\/(\d+)\b)?/g;
/** A rule bullet: `- **ID**` or `- **ID / ID**`, then its text. */
const BULLET = /^- \*\*([^*]+)\*\*\s*(.*)$/;
const ID = /^([A-Z]+)-(\d+)$/;
/** A repository path in backquotes, as the spec names where the code is. */
const PATH = /`((?:src|assembly|native|scripts|test|bench|spec)\/[^`\s]*)`/g;

const errors = [];

function walk(dir, keep) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return SKIP_DIRS.has(name) ? [] : walk(path, keep);
    return keep(name) ? [path] : [];
  });
}

/** Every rule ID a text mentions, ranges expanded, as `[group, number]` pairs. */
function* mentions(text) {
  for (const [, group, first, last, second] of text.matchAll(MENTION)) {
    const from = Number(first);
    const to = Number(last ?? first);
    for (let n = from; n <= to; n++) yield [group, n];
    if (second !== undefined) yield [group, Number(second)];
  }
}

/** Paths a text names in backquotes. */
function pathsIn(text) {
  return [...text.matchAll(PATH)].map(([, path]) => path.replace(/[.,:;]+$/, ''));
}

// ── The spec: spec/<group>.md, one bullet per rule ───────────────────────────────────────
// In the order spec/README.md lists them; a file it does not list is an error, listed last.
const indexText = existsSync(join(specDir, 'README.md'))
  ? readFileSync(join(specDir, 'README.md'), 'utf8')
  : '';
const indexed = [...new Set([...indexText.matchAll(/\]\(([a-z]+\.md)\)/g)].map(([, n]) => n))];
const present = readdirSync(specDir).filter((name) => /^[a-z]+\.md$/.test(name));
for (const name of indexed.filter((n) => !present.includes(n))) {
  errors.push(`spec/README.md lists ${name}, which does not exist`);
}
for (const name of present.filter((n) => !indexed.includes(n)).sort()) {
  errors.push(`spec/README.md does not list spec/${name}`);
}
const specFiles = [
  ...indexed.filter((n) => present.includes(n)),
  ...present.filter((n) => !indexed.includes(n)).sort(),
];
const groups = specFiles.map((name) => basename(name, '.md').toUpperCase());
const known = new Set(groups);
/** ID → { group, number, file, status, partly, places: Set, tests: Set, code: Set } */
const rules = new Map();
const citedInSpec = [];

for (const name of specFiles) {
  const file = `spec/${name}`;
  const group = basename(name, '.md').toUpperCase();
  const lines = readFileSync(join(specDir, name), 'utf8').split('\n');
  const intro = [];
  let current = [];
  const bullets = [];
  for (const line of lines) {
    const bullet = BULLET.exec(line);
    if (bullet) {
      current = [line];
      bullets.push({ ids: bullet[1], text: current });
    } else if (bullets.length === 0) intro.push(line);
    else if (/^\s+\S/.test(line)) current.push(line);
    else current = [];
  }
  const introPaths = pathsIn(intro.join('\n'));
  for (const { ids, text } of bullets) {
    const body = text.join('\n');
    const words = BULLET.exec(text[0])[2];
    const status = /^Not applicable:/.test(words)
      ? 'not applicable'
      : /^Not yet:/.test(words)
        ? 'not yet'
        : 'implemented';
    const partly = status === 'implemented' && /\bNot yet:/.test(body);
    const bulletPaths = pathsIn(body);
    for (const token of ids.split(/\s*[/,]\s*|\s+/).filter(Boolean)) {
      const id = ID.exec(token);
      if (!id) {
        errors.push(`${file}: "${token}" in a rule bullet is not a rule ID`);
        continue;
      }
      if (id[1] !== group)
        errors.push(`${file}: ${token} belongs in spec/${id[1].toLowerCase()}.md`);
      if (rules.has(token)) {
        errors.push(`${file}: ${token} is stated twice (also in ${rules.get(token).file})`);
        continue;
      }
      rules.set(token, {
        group: id[1],
        number: Number(id[2]),
        file,
        status,
        partly,
        places: new Set(bulletPaths.length > 0 ? bulletPaths : introPaths),
        tests: new Set(),
        code: new Set(),
      });
    }
  }
  for (const [cited, n] of mentions(lines.join('\n'))) {
    if (known.has(cited)) citedInSpec.push([`${cited}-${n}`, file]);
  }
  for (const path of pathsIn(lines.join('\n'))) {
    if (!existsSync(join(root, path))) errors.push(`${file}: \`${path}\` does not exist`);
  }
}

for (const group of groups) {
  const numbers = [...rules.values()].filter((r) => r.group === group).map((r) => r.number);
  const count = numbers.length;
  if (count === 0) errors.push(`spec/${group.toLowerCase()}.md states no rule`);
  for (let n = 1; n <= Math.max(0, ...numbers); n++) {
    if (!numbers.includes(n))
      errors.push(`spec/${group.toLowerCase()}.md: ${group}-${n} is missing`);
  }
}
for (const [cited, n] of mentions(indexText)) {
  if (known.has(cited)) citedInSpec.push([`${cited}-${n}`, 'spec/README.md']);
}
for (const path of pathsIn(indexText)) {
  if (!existsSync(join(root, path))) errors.push(`spec/README.md: \`${path}\` does not exist`);
}
for (const [id, file] of citedInSpec) {
  if (!rules.has(id)) errors.push(`${file}: cites ${id}, which no spec file states`);
}

// ── Tests: the titles of test calls, t('…', test('…', it('…' ─────────────────────────────
const TITLE = /\b(?:t|test|it)(?:\.(?:only|skip))?\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1\s*,/g;
for (const path of walk(join(root, 'test'), (name) => name.endsWith('.test.ts'))) {
  const file = relative(root, path);
  for (const [, , title] of readFileSync(path, 'utf8').matchAll(TITLE)) {
    for (const [group, n] of mentions(title)) {
      if (!known.has(group)) continue;
      const rule = rules.get(`${group}-${n}`);
      if (!rule)
        errors.push(`${file}: the test "${title}" names ${group}-${n}, which no spec file states`);
      else rule.tests.add(file);
    }
  }
}

// ── Code: rule IDs cited in src/, assembly/ and native/ ──────────────────────────────────
for (const dir of CODE_DIRS) {
  for (const path of walk(join(root, dir), (name) => CODE_FILE.test(name))) {
    const file = relative(root, path);
    for (const [group, n] of mentions(readFileSync(path, 'utf8'))) {
      if (!known.has(group)) continue;
      const rule = rules.get(`${group}-${n}`);
      if (!rule) errors.push(`${file}: cites ${group}-${n}, which no spec file states`);
      else rule.code.add(file);
    }
  }
}

// ── Status ───────────────────────────────────────────────────────────────────────────────
const STATUSES = ['tested', 'implemented-untested', 'not applicable', 'not yet'];
function statusOf(id, rule) {
  if (rule.status !== 'implemented') {
    if (rule.tests.size > 0) {
      errors.push(`${id}: a test names it, but ${rule.file} says it is ${rule.status}`);
    }
    return rule.status;
  }
  if (rule.tests.size > 0) return 'tested';
  if (rule.code.size === 0 && rule.places.size === 0) {
    errors.push(
      `${id}: ${rule.file} says it is implemented but names no place, and no code cites it`,
    );
  }
  return 'implemented-untested';
}

const byNumber = (a, b) => rules.get(a).number - rules.get(b).number;
const totals = Object.fromEntries(STATUSES.map((s) => [s, 0]));
for (const group of groups) {
  const ids = [...rules.keys()].filter((id) => rules.get(id).group === group).sort(byNumber);
  const sorted = Object.fromEntries(STATUSES.map((s) => [s, []]));
  for (const id of ids) sorted[statusOf(id, rules.get(id))].push(id);
  const counts = STATUSES.map((s) => `${sorted[s].length} ${s}`).join(', ');
  console.log(`${group.padEnd(6)} ${String(ids.length).padStart(2)} rules: ${counts}`);
  for (const status of STATUSES) {
    totals[status] += sorted[status].length;
    if (sorted[status].length > 0)
      console.log(`  ${status.padEnd(21)} ${sorted[status].join(' ')}`);
  }
  const partly = ids.filter((id) => rules.get(id).partly);
  if (partly.length > 0) console.log(`  ${'partly not yet'.padEnd(21)} ${partly.join(' ')}`);
  if (verbose) {
    for (const id of ids) {
      const { tests, code, places } = rules.get(id);
      const where = [
        tests.size > 0 && `tests: ${[...tests].join(', ')}`,
        code.size > 0 && `code: ${[...code].join(', ')}`,
        places.size > 0 && `spec names: ${[...places].join(', ')}`,
      ].filter(Boolean);
      console.log(`    ${id.padEnd(9)} ${where.join('; ') || '-'}`);
    }
  }
}
const summary = STATUSES.map((s) => `${totals[s]} ${s}`).join(', ');
console.log(`${rules.size} rules in ${specFiles.length} groups: ${summary}`);

if (errors.length > 0) {
  console.error(`\nThe spec has drifted (${errors.length}):`);
  for (const error of errors) console.error(`  ${error}`);
  process.exitCode = 1;
}
