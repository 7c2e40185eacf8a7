// What the two-thread ring suite and its worker host (ring-worker.ts) say to each other.

/** What the main thread passes to a ring worker as its data. */
export interface RingWorkerData {
  /** Name of the subject in bench/subjects/index.ts. */
  subject: string;
  role: 'producer' | 'consumer';
  /** The subject's handle from `create`. */
  handle: unknown;
  /** One Int32 (START_FLAG_INDEX): the generation of the run that may start. */
  control: SharedArrayBuffer;
}

/** A run request. The worker answers RunReady, blocks until the start flag, then RunDone. */
export interface RunRequest {
  /** Messages to move. */
  count: number;
  /** Increases by one per run; the start flag is raised to it. */
  generation: number;
}

export interface RunReady {
  ready: number;
}

export interface RunDone {
  done: number;
  /** `process.hrtime.bigint()` when the last message was moved (and verified). */
  endNs: bigint;
}

/** Index of the start flag in the control Int32Array. */
export const START_FLAG_INDEX = 0;
