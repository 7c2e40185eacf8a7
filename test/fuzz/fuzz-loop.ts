// The fuzzing engine: fast-check generates byte strings from a seed, the target runs each as
// a program, and fast-check shrinks the first failing one. After a finding the run goes on
// from seed + 1, + 2, … so one session can report several; the same options replay the same
// inputs as long as the time cap is not what ended the run.
import fc from 'fast-check';
import { coreModule } from '../../src/wasm/core.js';
import { corpusEntry, loadCorpus, saveCorpusEntry } from './corpus.js';
import {
  buildCoverageCore,
  counterRange,
  coverageReport,
  resetCounters,
  type CoverageReport,
} from './coverage.js';
import { FuzzTarget } from './target.js';
import { SessionFuzzTarget } from './session-target.js';

/**
 * What is fuzzed: `rings` (rings, message rings and queues: target.ts) or `session` (the
 * session protocol and the soft RNIC under a hostile peer: session-target.ts).
 */
export type FuzzTargetName = 'rings' | 'session';

/** Corpus files of the session target are named `session-…`; the rest are the rings'. */
export const SESSION_CORPUS_PREFIX = 'session-';

/** Longest input generated: about 80 operations on average. */
export const MAX_INPUT_BYTES = 400;

export interface FuzzOptions {
  target: FuzzTargetName;
  seed: number;
  /** Programs to run (the reproducible bound). */
  runs: number;
  /** Wall-clock cap in seconds. */
  seconds: number;
  /** Stop after this many findings. */
  maxFailures: number;
  /** Fuzz the instrumented build and report coverage. */
  coverage: boolean;
  /** Save each shrunk finding in test/fuzz/corpus/. */
  save: boolean;
}

export interface Finding {
  message: string;
  bytes: Uint8Array;
  seed: number;
  path: string;
  /** Where it was saved, when it was. */
  file?: string;
}

export interface FuzzSummary {
  runs: number;
  elapsedSeconds: number;
  /** Whether the time cap ended the run before `runs` programs. */
  interrupted: boolean;
  findings: Finding[];
  coverage?: CoverageReport;
}

/** The input arbitrary: any bytes, lengths uniform up to MAX_INPUT_BYTES. */
export const inputArbitrary = fc.uint8Array({ maxLength: MAX_INPUT_BYTES, size: 'max' });

/** Runs the fuzzer; resolves with what it did and found. */
export async function fuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const build = options.coverage ? await buildCoverageCore() : undefined;
  const Target = options.target === 'session' ? SessionFuzzTarget : FuzzTarget;
  const target = build
    ? new Target(build.module, (core) => [counterRange(core)])
    : new Target(coreModule());
  if (build) resetCounters(target.core, target.memory);
  const property = fc.property(inputArbitrary, (bytes) => target.run(bytes));
  const examples = loadCorpus()
    .filter(
      (file) => file.name.startsWith(SESSION_CORPUS_PREFIX) === (options.target === 'session'),
    )
    .map((file): [Uint8Array] => [file.bytes]);
  const started = performance.now();
  const summary: FuzzSummary = { runs: 0, elapsedSeconds: 0, interrupted: false, findings: [] };
  for (let round = 0; summary.runs < options.runs; round++) {
    const leftMs = options.seconds * 1000 - (performance.now() - started);
    if (leftMs <= 0 || summary.findings.length >= options.maxFailures) break;
    const seed = (options.seed + round) | 0;
    const details = fc.check(property, {
      seed,
      numRuns: options.runs - summary.runs,
      interruptAfterTimeLimit: Math.ceil(leftMs),
      markInterruptAsFailure: false,
      examples: round === 0 ? examples : [],
    });
    summary.runs += details.numRuns;
    summary.interrupted = details.interrupted;
    if (!details.failed || details.counterexample === null) break;
    // Later rounds often shrink to the same minimal input: keep one of each.
    const hex = Buffer.from(details.counterexample[0]).toString('hex');
    const known = summary.findings.some((f) => Buffer.from(f.bytes).toString('hex') === hex);
    if (!known) summary.findings.push(record(details, seed, options));
  }
  summary.elapsedSeconds = (performance.now() - started) / 1000;
  if (build) summary.coverage = coverageReport(build, target.core, target.memory);
  return summary;
}

function record(details: fc.RunDetails<[Uint8Array]>, seed: number, options: FuzzOptions): Finding {
  const [bytes] = details.counterexample as [Uint8Array];
  const error = details.errorInstance;
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const finding: Finding = { message, bytes, seed, path: details.counterexamplePath ?? '' };
  if (options.save) {
    const session = options.target === 'session';
    // Session programs are read from their bytes: there is no listing for them.
    const entry = { ...corpusEntry(bytes, message, !session), seed, path: finding.path };
    finding.file = saveCorpusEntry(session ? `${SESSION_CORPUS_PREFIX}finding` : 'finding', entry);
  }
  return finding;
}
