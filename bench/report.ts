// Renders collected results as a plain-text table for stdout and as the JSON file that
// `--json FILE` writes; both read the same ResultCollector, whatever the suites measured.
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type { Result, ResultCollector, Unit } from './results.js';

interface Scale {
  divisor: number;
  label: string;
}

const SI_PREFIXES: readonly [number, string][] = [
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
];
const BINARY_PREFIXES: readonly [number, string][] = [
  [2 ** 30, 'Gi'],
  [2 ** 20, 'Mi'],
  [2 ** 10, 'Ki'],
];

// Bytes scale by powers of 1024 (GiB/s, as the project's notes quote them), counts by 1000.
function scaleFor(value: number, unit: Unit): Scale {
  if (unit === 'B/s') {
    const found = BINARY_PREFIXES.find(([divisor]) => value >= divisor);
    return found ? { divisor: found[0], label: `${found[1]}B/s` } : { divisor: 1, label: 'B/s' };
  }
  if (unit === 'msg/s' || unit === 'conn/s' || unit === 'req/s') {
    const found = SI_PREFIXES.find(([divisor]) => value >= divisor);
    return found
      ? { divisor: found[0], label: `${found[1]} ${unit}` }
      : { divisor: 1, label: unit };
  }
  return { divisor: 1, label: unit === 'us' ? 'µs' : unit };
}

function fixed(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** The result `result` is compared with: its suite's baseline subject, same case and metric. */
export function baselineOf(
  result: Result,
  all: readonly Result[],
  baseline: string | undefined,
): Result | undefined {
  if (baseline === undefined) return undefined;
  return all.find(
    (r) =>
      r.suite === result.suite &&
      r.case === result.case &&
      r.metric === result.metric &&
      r.subject === baseline,
  );
}

// The ratio of a row to its suite's baseline subject in the same case and metric.
function ratioOf(result: Result, all: readonly Result[], baseline: string | undefined): string {
  if (result.subject === baseline) return '';
  const base = baselineOf(result, all, baseline);
  if (!base || base.value === 0) return '';
  return `${(result.value / base.value).toFixed(2)}× ${baseline}`;
}

/** `value` in `unit` as the table prints it, e.g. `1.52 GiB/s`, `13.6 µs`, `2.19 k conn/s`. */
export function formatValue(value: number, unit: Unit): string {
  const scale = scaleFor(value, unit);
  return `${fixed(value / scale.divisor)} ${scale.label}`;
}

/** The subject as the table names it: with its note, e.g. `sanswitch-shm (ran over tcp)`. */
export function subjectLabel(result: Result): string {
  return result.note === undefined ? result.subject : `${result.subject} (${result.note})`;
}

function row(result: Result, all: readonly Result[], baseline: string | undefined): string[] {
  const scale = scaleFor(result.value, result.unit);
  const range =
    result.min !== undefined && result.max !== undefined
      ? `${fixed(result.min / scale.divisor)}–${fixed(result.max / scale.divisor)}`
      : '';
  return [
    result.suite,
    result.case,
    subjectLabel(result),
    result.metric,
    formatValue(result.value, result.unit),
    range,
    result.runs === undefined ? '' : String(result.runs),
    ratioOf(result, all, baseline),
  ];
}

/**
 * The results as an aligned text table: suite, case, subject, metric, median, range (same
 * scale as the median), runs, and the ratio to the suite's baseline subject.
 */
export function formatTable(collector: ResultCollector): string {
  const all = collector.results;
  const header = ['suite', 'case', 'subject', 'metric', 'median', 'range', 'runs', 'ratio'];
  const rows = [header, ...all.map((r) => row(r, all, collector.baseline(r.suite)))];
  const widths = header.map((_, column) => Math.max(...rows.map((cells) => cells[column]!.length)));
  const lines = rows.map((cells) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd(),
  );
  lines.splice(1, 0, widths.map((width) => '-'.repeat(width)).join('  '));
  lines.push(
    '',
    'median and range: over runs or samples as each suite says (--help); ratio: median ÷ the',
    "median of the suite's baseline subject in the same case and metric.",
  );
  return lines.join('\n');
}

/**
 * Writes `{ results, meta }` to `file`: `results` as collected (values in their base unit:
 * msg/s, B/s, µs, conn/s, ms), `meta` the conditions (Node version, CPUs, load) that make
 * figures from noisy shared machines comparable or not.
 */
export function writeJson(
  file: string,
  collector: ResultCollector,
  run: { quick: boolean; contend: number },
): void {
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    loadavg: loadavg(),
    quick: run.quick,
    /** Busy processes that ran beside every subject (`--contend`). */
    contend: run.contend,
  };
  writeFileSync(file, `${JSON.stringify({ results: collector.results, meta }, null, 2)}\n`);
}
