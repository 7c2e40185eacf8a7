// A socket's idle timer (setTimeout): fires once after `ms` without activity and re-arms on
// the next activity, as node:net's does. It never keeps the event loop alive.

/** Idle timer for one socket. Main thread only; `touch()` is cheap (a timer refresh). */
export class SocketTimer {
  #ms = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #onIdle: () => void;

  constructor(onIdle: () => void) {
    this.#onIdle = onIdle;
  }

  /** The idle time in milliseconds; 0 when disabled. */
  get ms(): number {
    return this.#ms;
  }

  /** Sets the idle time in milliseconds and restarts it; 0 disables it. */
  set(ms: number): void {
    this.clear();
    this.#ms = ms;
    if (ms === 0) return;
    this.#timer = setTimeout(this.#onIdle, ms);
    this.#timer.unref();
  }

  /** Records activity: the idle time starts again. */
  touch(): void {
    this.#timer?.refresh();
  }

  /** Stops the timer for good (the socket is destroyed). */
  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#ms = 0;
  }
}
