// Branch coverage of the WASM core under the fuzzer: compiles the core's `coverage` target
// in-process with scripts/coverage-transform.mjs (a probe on every function entry and branch
// arm), then turns the counters the fuzzed calls incremented into a per-file report.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';
import type { ByteRange } from './write-guard.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TRANSFORM = fileURLToPath(new URL('../../scripts/coverage-transform.mjs', import.meta.url));
const PROBES_FILE = 'core.coverage.probes.json';

/** One probe of the coverage build (see scripts/coverage-transform.mjs). */
export interface Probe {
  id: number;
  file: string;
  line: number;
  column: number;
  /** 'entry' for a function entry; 'then', 'else', 'right' or 'case' for a branch arm. */
  kind: string;
  function: string;
}

export interface CoverageBuild {
  module: WebAssembly.Module;
  probes: Probe[];
}

/** The exports the transform adds to the coverage build. */
interface CoverageExports {
  coverageCounters(): number;
  coverageProbeCount(): number;
}

/** A source edit applied to the compiler's input only: how the mutation tests plant a bug. */
export interface SourcePatch {
  /** Path relative to the repository root, e.g. 'assembly/msg-ring.ts'. */
  file: string;
  from: string;
  to: string;
}

/**
 * Compiles the instrumented core from the current assembly/ sources, with `patches` applied
 * (about 1.5 s; nothing is written to disk). Rejects with the compiler's output when the
 * build fails, or when a patch's `from` text is not in its file.
 */
export async function buildCoverageCore(patches: SourcePatch[] = []): Promise<CoverageBuild> {
  const files = new Map<string, Uint8Array | string>();
  const stderr = asc.createMemoryStream();
  const readFile = (name: string, baseDir: string): string | null => {
    let text: string;
    try {
      text = readFileSync(resolve(baseDir, name), 'utf8');
    } catch {
      return null;
    }
    for (const patch of patches.filter((p) => resolve(ROOT, p.file) === resolve(baseDir, name))) {
      if (!text.includes(patch.from))
        throw new Error(`patch not applicable to ${patch.file}: ${patch.from}`);
      text = text.replace(patch.from, patch.to);
    }
    return text;
  };
  const { error } = await asc.main(
    ['assembly/index.ts', '--config', 'asconfig.json', '--target', 'coverage'].concat([
      '--outFile',
      'core.coverage.wasm',
      '--transform',
      TRANSFORM,
      '--baseDir',
      ROOT,
    ]),
    {
      stdout: asc.createMemoryStream(),
      stderr,
      readFile,
      writeFile: (name, contents) => void files.set(name.split('/').pop() ?? name, contents),
    },
  );
  const binary = files.get('core.coverage.wasm');
  const table = files.get(PROBES_FILE);
  if (error || !(binary instanceof Uint8Array) || table === undefined) {
    throw new Error(
      `coverage build failed: ${error?.message ?? 'no output'}\n${stderr.toString()}`,
    );
  }
  const { probes } = JSON.parse(String(table)) as { probes: Probe[] };
  return { module: new WebAssembly.Module(Uint8Array.from(binary)), probes };
}

/** The counter words of an instantiated coverage build, for the write oracle to skip. */
export function counterRange(core: object): ByteRange {
  const exports = core as CoverageExports;
  const start = exports.coverageCounters();
  return { start, end: start + 4 * exports.coverageProbeCount(), name: 'coverage counters' };
}

/** Zeroes the counters, so that a report covers only what runs after. */
export function resetCounters(core: object, memory: WebAssembly.Memory): void {
  const { start, end } = counterRange(core);
  new Uint8Array(memory.buffer).fill(0, start, end);
}

export interface FileCoverage {
  file: string;
  branches: number;
  branchesReached: number;
  functions: number;
  functionsReached: number;
}

export interface CoverageReport {
  files: FileCoverage[];
  /** Probes never hit, in source order. */
  unreached: Probe[];
}

/** Reads the counters of `core` (an instance of `build`) into a per-file report. */
export function coverageReport(
  build: CoverageBuild,
  core: object,
  memory: WebAssembly.Memory,
): CoverageReport {
  const { start } = counterRange(core);
  const counters = new Uint32Array(memory.buffer, start, build.probes.length);
  const files = new Map<string, FileCoverage>();
  const unreached: Probe[] = [];
  for (const probe of build.probes) {
    const file = files.get(probe.file) ?? {
      file: probe.file,
      branches: 0,
      branchesReached: 0,
      functions: 0,
      functionsReached: 0,
    };
    files.set(probe.file, file);
    const hit = (counters[probe.id] ?? 0) > 0;
    if (probe.kind === 'entry') {
      file.functions++;
      if (hit) file.functionsReached++;
    } else {
      file.branches++;
      if (hit) file.branchesReached++;
    }
    if (!hit) unreached.push(probe);
  }
  return { files: [...files.values()], unreached };
}

/** Branch arms reached / total over the files whose path matches `pattern`. */
export function branchRatio(
  report: CoverageReport,
  pattern: RegExp,
): { reached: number; total: number } {
  const files = report.files.filter((file) => pattern.test(file.file));
  const reached = files.reduce((sum, file) => sum + file.branchesReached, 0);
  const total = files.reduce((sum, file) => sum + file.branches, 0);
  return { reached, total };
}

/** The report as text: one line per file, then the unreached probes grouped by function. */
export function formatCoverage(report: CoverageReport): string[] {
  const percent = (a: number, b: number): string =>
    b === 0 ? '-' : `${((100 * a) / b).toFixed(1)}%`;
  const lines = ['coverage (branch arms; function entries):'];
  for (const f of report.files) {
    const branches = `${f.branchesReached}/${f.branches} ${percent(f.branchesReached, f.branches)}`;
    const functions = `${f.functionsReached}/${f.functions}`;
    lines.push(`  ${f.file.padEnd(22)} branches ${branches.padEnd(16)} functions ${functions}`);
  }
  const byFunction = new Map<string, Probe[]>();
  for (const probe of report.unreached) {
    const key = `${probe.file} ${probe.function}`;
    byFunction.set(key, [...(byFunction.get(key) ?? []), probe]);
  }
  if (byFunction.size > 0) lines.push('unreached:');
  for (const [key, probes] of byFunction) {
    lines.push(`  ${key}: ${probes.map((p) => `${p.kind}@${p.line}:${p.column}`).join(', ')}`);
  }
  return lines;
}
