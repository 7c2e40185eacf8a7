// What a benchmark suite is to the runner in bench/main.ts: a name to select it by and a
// function that measures and reports into the shared collector.
import type { ResultCollector } from './results.js';

/** What the runner hands each suite. */
export interface SuiteContext {
  /** `--quick`: a smoke run, fewer and shorter repetitions (figures are not meaningful). */
  readonly quick: boolean;
  /** Where the suite records its results. */
  readonly collector: ResultCollector;
  /** Progress line on stderr (stdout carries only the table). */
  log(line: string): void;
}

/** One benchmark suite: several cases, several subjects measured side by side. */
export interface Suite {
  /** Name used by `--suite` and in the results' `suite` field, e.g. `ring-two-threads`. */
  readonly name: string;
  /** One line for `--help`. */
  readonly description: string;
  /** Measures every case and subject; rejects when a subject misbehaves. */
  run(context: SuiteContext): Promise<void>;
}
