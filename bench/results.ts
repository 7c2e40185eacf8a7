// The one result format every benchmark suite reports in, and the collector that gathers
// results across suites for the table and the JSON file (see bench/report.ts).

/** Units of the metrics the suites report; `value`, `min` and `max` are in this unit. */
export type Unit = 'msg/s' | 'B/s' | 'us' | 'conn/s' | 'req/s' | 'ms';

/** Metric names: `*_per_s` are throughputs (higher is better), the rest costs. */
export type Metric =
  | 'msgs_per_s'
  | 'bytes_per_s'
  | 'rtt_p50_us'
  | 'rtt_p99_us'
  | 'conns_per_s'
  | 'reqs_per_s'
  | 'idle_cpu_ms';

/** One measured figure: one metric of one subject in one case of one suite. */
export interface Result {
  /** Suite that measured it, e.g. `ring-two-threads`. */
  suite: string;
  /** Case within the suite, e.g. `64B`. */
  case: string;
  /** What was measured, e.g. `wasm-ring` or `ringbuf.js`. */
  subject: string;
  metric: Metric;
  /** The representative figure: the median over runs (or over tinybench samples). */
  value: number;
  unit: Unit;
  /** Number of runs (or tinybench samples) behind `value`. */
  runs?: number;
  /** Lower end of the spread (see the suite for which spread: range or percentile). */
  min?: number;
  /** Upper end of the spread. */
  max?: number;
  /** Arithmetic mean, where the suite computes one. */
  mean?: number;
  /**
   * Network suites: the transport that carried the subject's connections (`shm`, `tcp`,
   * `uds`; `tcp 3, shm 97` when mixed), as the library reported it.
   */
  transport?: string;
  /**
   * A qualification the table prints after the subject, e.g. `ran over tcp` when a
   * sanswitch connection fell back: the figure is then not the subject's own transport's.
   */
  note?: string;
}

/** Median of `values` (not modified); NaN when empty. */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/**
 * The `p`-th percentile (0–100) of `values` by linear interpolation between the closest
 * ranks; NaN when empty. Sorts a copy.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = sorted[low] ?? NaN;
  const highValue = sorted[high] ?? NaN;
  return lowValue + (highValue - lowValue) * (rank - low);
}

/** Gathers results in the order suites report them. Main thread only. */
export class ResultCollector {
  readonly #results: Result[] = [];
  /** Per suite, the subject that the table's ratio column divides by. */
  readonly #baselines = new Map<string, string>();

  /** Records one result. */
  add(result: Result): void {
    this.#results.push(result);
  }

  /**
   * Records the results of `runs` repeated measurements (one value per run) as their
   * median, range and mean.
   */
  addRuns(key: Omit<Result, 'value' | 'runs' | 'min' | 'max' | 'mean'>, runs: number[]): void {
    this.add({
      ...key,
      value: median(runs),
      runs: runs.length,
      min: Math.min(...runs),
      max: Math.max(...runs),
      mean: runs.reduce((sum, v) => sum + v, 0) / runs.length,
    });
  }

  /** Declares that ratios in `suite` are relative to `subject` (e.g. `ringbuf.js`). */
  setBaseline(suite: string, subject: string): void {
    this.#baselines.set(suite, subject);
  }

  /** The baseline subject of `suite`, if it declared one. */
  baseline(suite: string): string | undefined {
    return this.#baselines.get(suite);
  }

  /** Every result so far, in insertion order. */
  get results(): readonly Result[] {
    return this.#results;
  }
}
