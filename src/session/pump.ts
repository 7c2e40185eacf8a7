// The scheduling of one session conduit's work on the event loop: run steps on every
// setImmediate while traffic flows (several per turn while they make progress), keep polling
// for `spinMs` after the last progress, then announce sleep (parked / waiting for credits),
// re-check, and stop until wake(). An idle conduit therefore has no timer, no immediate and
// costs no CPU.
import type { CoreExports } from '../wasm/core.js';

// How long one turn of the event loop may keep running steps while each moves something, in
// ms: a loop turn (setImmediate, epoll) costs more than a step, and a peer in another process
// keeps refilling the ring meanwhile. Bounded so that other sockets and timers still run.
const BURST_MS = 0.2;

/** What one step did: moved anything, waits for credits, or is held by pause(). */
export interface StepResult {
  progress: boolean;
  waitCredit: boolean;
  /** Paused with stream data at the front: nothing to do until resume() or a credit. */
  held: boolean;
}

/** Runs a conduit's steps. Main thread only. */
export class Pump {
  readonly #core: CoreExports;
  readonly #ses: number;
  readonly #spinMs: number;
  readonly #step: () => StepResult;
  #immediate: NodeJS.Immediate | undefined;
  #parked = false;
  #stopped = false;
  #refed = true;
  #lastProgress = 0;
  #kicked = false;

  constructor(core: CoreExports, ses: number, spinMs: number, step: () => StepResult) {
    this.#core = core;
    this.#ses = ses;
    this.#spinMs = spinMs;
    this.#step = step;
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
  // it may really sleep, false when work arrived meanwhile.
  #sleep(result: StepResult): boolean {
    if (result.waitCredit && this.#core.sesWaitCredit(this.#ses) !== 0) return false;
    if (result.held) return true;
    if (this.#core.sesPark(this.#ses) !== 0) {
      this.#core.sesUnpark(this.#ses);
      return false;
    }
    this.#parked = true;
    return true;
  }
}
