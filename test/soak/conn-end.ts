// One end (client or server) of one soak connection inside a child process: its socket, its
// content stream out and check in, what happened to it (EndReport), and bounded waits. The
// writer (writer.ts) and the reader (reader.ts) drive it; the process reports its progress.
import { ContentCheck, ContentSource, type Direction } from './content.js';
import type { ChildConfig, ChildEvent, End, EndReport, Totals } from './messages.js';
import type { SoakSocket } from './net.js';

/** What a bounded wait resolves with when its limit passed (a failure is reported then). */
export const TIMED_OUT = Symbol('timed out');
/** What a wait for an event resolves with when the socket closed first. */
export const CLOSED = Symbol('closed');

/** The code of an error as the checks name it. */
export function errorCode(err: unknown): string {
  const { code, name } = (err ?? {}) as { code?: unknown; name?: unknown };
  return typeof code === 'string' ? code : String(name ?? err);
}

/** One end of one connection. Main thread of a child process. */
export class ConnEnd {
  readonly totals: Totals = { attempted: 0, acked: 0, received: 0 };
  readonly source: ContentSource;
  readonly closed: Promise<void>;
  abort: EndReport['abort'] = null;
  /** Set when the orchestrator asks the writer to close after its current step. */
  wrapping = false;
  connected = false;
  enobufs = 0;
  #finished = false;
  #gotEnd = false;
  #halfClosedAtEnd = false;
  #isClosed = false;
  readonly #errors = new Set<string>();
  readonly #secondary = new Set<string>();
  readonly #check: ContentCheck;

  constructor(
    readonly socket: SoakSocket,
    readonly id: number,
    readonly end: End,
    readonly config: ChildConfig,
    readonly say: (event: ChildEvent) => void,
  ) {
    const out: Direction = end === 'client' ? 'c2s' : 's2c';
    this.source = new ContentSource(config.seed, id, out);
    this.#check = new ContentCheck(config.seed, id, out === 'c2s' ? 's2c' : 'c2s');
    socket.on('error', (err: unknown) => this.noteError(err));
    socket.on('end', () => {
      this.#gotEnd = true;
      this.#halfClosedAtEnd = socket.writableEnded;
    });
    socket.on('finish', () => (this.#finished = true));
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    void this.closed.then(() => {
      this.#isClosed = true;
      // Write callbacks that the close itself runs come first.
      setImmediate(() => say({ ev: 'closed', id, end, report: this.report() }));
    });
  }

  /** True once the socket emitted 'close'. */
  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** True once the peer's end of stream arrived. */
  get gotEnd(): boolean {
    return this.#gotEnd;
  }

  /** Records an error that reached this end; those after its own abort are its own doing. */
  noteError(err: unknown): void {
    this.noteCode(errorCode(err));
  }

  /** Records an error code: system codes (E…) apart from the stream's own (ERR_…, …). */
  noteCode(code: string): void {
    if (this.abort) return;
    (/^E[A-Z0-9]+$/.test(code) ? this.#errors : this.#secondary).add(code);
  }

  /** Verifies and counts received bytes. */
  onData(chunk: Buffer): void {
    const mismatch = this.#check.check(chunk);
    if (mismatch) this.fail('content', mismatch);
    this.totals.received += chunk.length;
  }

  /** Reports a failed check of this end: the orchestrator stops the run. */
  fail(check: string, detail: string): void {
    this.say({ ev: 'fail', id: this.id, end: this.end, check, detail });
  }

  /**
   * `promise`, or TIMED_OUT (and a failure reported) after the configured wait; with
   * `orClose`, CLOSED as soon as the socket closes (for events a closed socket never emits).
   */
  bounded<T>(promise: Promise<T>, what: string, orClose = false): Promise<T | symbol> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<symbol>((resolve) => {
      timer = setTimeout(() => {
        this.fail('timeout', `${what} did not settle within ${this.config.waitMs} ms`);
        resolve(TIMED_OUT);
      }, this.config.waitMs);
    });
    const racers: Promise<T | symbol>[] = [promise, limit];
    if (orClose) racers.push(this.closed.then(() => CLOSED));
    return Promise.race(racers).finally(() => clearTimeout(timer));
  }

  /** Sleeps `ms`, or less if the socket closes first. */
  pause(ms: number): Promise<unknown> {
    return Promise.race([new Promise((resolve) => setTimeout(resolve, ms)), this.closed]);
  }

  /** This end's outcome, as reported once it closed. */
  report(): EndReport {
    return {
      ...this.totals,
      connected: this.connected,
      finished: this.#finished,
      gotEnd: this.#gotEnd,
      halfClosedAtEnd: this.#halfClosedAtEnd,
      abort: this.abort,
      errors: [...this.#errors],
      secondary: [...this.#secondary],
      enobufs: this.enobufs,
    };
  }
}
