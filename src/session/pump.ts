// The scheduling of one session conduit's work on the event loop: run steps on every
// setImmediate while traffic flows (several per turn while they make progress), keep polling
// for `spinMs` after the last progress, then announce sleep, re-check, and stop until wake().
// An idle conduit therefore has no timer, no immediate and costs no CPU.
//
// Every reason a side stops, how it says so, and the peer's action that wakes it (each row
// has a test in test/session-waits.test.ts):
//
// - nothing to do: parked flag on both receive rings; the peer's commit on either rings.
// - no data-ring credit: WAIT_CREDIT (sesWaitCredit); the peer's release rings (sesRelease).
// - no control-ring credit (DONEs queued): WAIT_CREDIT (sesWaitControl); the peer's release
//   rings, and its control consumer never stops.
// - waiting for the peer's DONE (bulk half full): parked on the control ring; the peer's
//   DONE commit rings, and it sends DONEs whether or not its application reads.
// - held (paused with stream data at the front): parked on the control ring only; resume()
//   kicks locally, and control messages still ring.
// - waiting to close (FIN needs a credit): WAIT_CREDIT; the peer's release rings.
// - the peer died: it cannot ring; the liveness channel's hang-up calls peerGone().
// - the peer reset: its RESET flag; it rings unconditionally after setting it.
//
// A local kick (write, resume, end) also runs a step. A step that throws is a bug of ours: it
// reaches `onFault`, which resets that one connection; nothing escapes into the event loop.
import type { CoreExports } from '../wasm/core.js';

// How long one turn of the event loop may keep running steps while each moves something, in
// ms: a loop turn (setImmediate, epoll) costs more than a step, and a peer in another process
// keeps refilling the ring meanwhile. Bounded so that other sockets and timers still run.
const BURST_MS = 0.2;

/** What one step did: moved anything, waits for a credit of one ring, or is held by pause(). */
export interface StepResult {
  progress: boolean;
  /** The ring whose credit the sender waits for, if any. */
  wait: 'none' | 'data' | 'control';
  /** Paused with stream data at the front: nothing to do until resume() or control. */
  held: boolean;
}

/** Runs a conduit's steps. Main thread only. */
export class Pump {
  readonly #core: CoreExports;
  readonly #ses: number;
  readonly #spinMs: number;
  readonly #step: () => StepResult;
  readonly #onFault: (err: unknown) => void;
  #immediate: NodeJS.Immediate | undefined;
  #parked = false;
  #stopped = false;
  #refed = true;
  #lastProgress = 0;
  #kicked = false;

  /**
   * `step` runs one pass of the conduit; `onFault` gets what a step threw (the conduit resets
   * the connection). `spinMs`: how long to keep polling after the last progress.
   */
  constructor(
    core: CoreExports,
    ses: number,
    spinMs: number,
    step: () => StepResult,
    onFault: (err: unknown) => void,
  ) {
    this.#core = core;
    this.#ses = ses;
    this.#spinMs = spinMs;
    this.#step = step;
    this.#onFault = onFault;
  }

  /** Work arrived locally (a write, resume): run a step soon, counting as traffic. */
  kick(): void {
    // The clock is read once per run, not once per write: a batch of writes kicks many times.
    this.#kicked = true;
    this.#schedule();
  }

  /** The doorbell rang. */
  wake(): void {
    this.kick();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#immediate = undefined;
    if (this.#parked) this.#core.sesUnpark(this.#ses);
    this.#parked = false;
  }

  ref(): void {
    this.#refed = true;
    this.#immediate?.ref();
  }

  unref(): void {
    this.#refed = false;
    this.#immediate?.unref();
  }

  #schedule(): void {
    if (this.#stopped || this.#immediate) return;
    this.#immediate = setImmediate(() => this.#run());
    if (!this.#refed) this.#immediate.unref();
  }

  #run(): void {
    this.#immediate = undefined;
    try {
      this.#turn();
    } catch (err) {
      this.#onFault(err);
    }
  }

  #turn(): void {
    if (this.#parked) {
      this.#core.sesUnpark(this.#ses);
      this.#parked = false;
    }
    const start = performance.now();
    if (this.#kicked) {
      this.#kicked = false;
      this.#lastProgress = start;
    }
    const deadline = start + BURST_MS;
    for (;;) {
      const result = this.#step();
      if (this.#stopped) return;
      const now = performance.now();
      if (result.progress) {
        this.#lastProgress = now;
        if (now < deadline) continue;
      } else if (now - this.#lastProgress >= this.#spinMs && this.#sleep(result)) return;
      break;
    }
    this.#schedule();
  }

  // Announces sleep and re-checks (the peer reads the flags after publishing): true when
  // it may really sleep, false when work arrived meanwhile (or a status the next step
  // reports as a fault).
  #sleep(result: StepResult): boolean {
    if (result.wait === 'data' && this.#core.sesWaitCredit(this.#ses) !== 0) return false;
    if (result.wait === 'control' && this.#core.sesWaitControl(this.#ses) !== 0) return false;
    if (this.#core.sesPark(this.#ses, result.held ? 1 : 0) !== 0) {
      this.#core.sesUnpark(this.#ses);
      return false;
    }
    this.#parked = true;
    return true;
  }
}
