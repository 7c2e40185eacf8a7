// The writing half of one connection end: runs its WriterPlan (plan.ts) with stream writes
// (waiting for 'drain' when write() says so), awaited send()s, sends out of registered memory,
// bursts of small writes and sleeps, then closes as the plan says. Every byte it hands over is
// the next of the end's content stream, counted as attempted, then as acked once accepted.
import { CLOSED, ConnEnd, TIMED_OUT, errorCode } from './conn-end.js';
import type { WriteStep, WriterPlan } from './plan.js';

function stopped(conn: ConnEnd): boolean {
  return conn.socket.destroyed || !conn.socket.writable;
}

/**
 * Runs `plan` on `conn` (registered sends out of one buffer of `registeredCap` bytes); resolves
 * once it closed its side as planned, or had to stop.
 */
export async function runWriter(
  conn: ConnEnd,
  plan: WriterPlan,
  registeredCap: number,
): Promise<void> {
  const registered = new RegisteredSender(conn, registeredCap);
  for (const step of plan.steps) {
    if (stopped(conn) || conn.wrapping) break;
    if (!(await runStep(conn, step, registered))) return;
  }
  if (!stopped(conn)) await close(conn, plan);
}

/** Runs one step; false when the writer must stop (the socket went away, or a wait failed). */
async function runStep(
  conn: ConnEnd,
  step: WriteStep,
  registered: RegisteredSender,
): Promise<boolean> {
  switch (step.kind) {
    case 'sleep':
      await conn.pause(step.ms);
      return true;
    case 'write':
      return writeAll(conn, [step.bytes]);
    case 'burst':
      return writeAll(conn, step.sizes);
    case 'send':
      return send(conn, conn.source.next(step.bytes), 'send()');
    case 'registered':
      return registered.send(step.bytes);
  }
}

/** Stream writes of `sizes` in a row; waits for 'drain' after them if the last one asks. */
async function writeAll(conn: ConnEnd, sizes: number[]): Promise<boolean> {
  let flushed = true;
  for (const bytes of sizes) {
    const chunk = conn.source.next(bytes);
    conn.totals.attempted += bytes;
    flushed = conn.socket.write(chunk, (err) => {
      if (err) conn.noteError(err);
      else conn.totals.acked += bytes;
    });
  }
  if (flushed) return true;
  const drained = new Promise((resolve) => conn.socket.once('drain', resolve));
  const outcome = await conn.bounded(drained, `'drain' after writing ${sizes.join('+')} B`, true);
  return outcome !== CLOSED && outcome !== TIMED_OUT;
}

/** An awaited send() (a write with its callback awaited where the API has none). */
async function send(conn: ConnEnd, chunk: Buffer, what: string): Promise<boolean> {
  const { socket } = conn;
  conn.totals.attempted += chunk.length;
  const sending = socket.send
    ? socket.send(chunk)
    : new Promise<number>((resolve, reject) =>
        socket.write(chunk, (err) => (err ? reject(err) : resolve(chunk.length))),
      );
  const accepted = sending.then(
    (n) => {
      if (n !== chunk.length) conn.fail('send', `${what} of ${chunk.length} B resolved with ${n}`);
      conn.totals.acked += chunk.length;
      return true;
    },
    (err: unknown) => {
      conn.noteError(err);
      return false;
    },
  );
  // No race with 'close': a pending send must settle once the socket closes (CLS-3).
  return (await conn.bounded(accepted, `${what} of ${chunk.length} B`)) === true;
}

/** Sends out of one registered buffer (allocBuffer), reused for each send once it resolved. */
class RegisteredSender {
  #buffer: Buffer | undefined;

  constructor(
    readonly conn: ConnEnd,
    readonly cap: number,
  ) {}

  /** Sends the stream's next min(bytes, cap) bytes from registered memory where possible. */
  send(bytes: number): Promise<boolean> {
    const n = Math.min(bytes, this.cap);
    const buffer = n > 0 ? this.#allocated() : undefined;
    if (!buffer) return send(this.conn, this.conn.source.next(n), 'send()');
    return send(this.conn, this.conn.source.fill(buffer.subarray(0, n)), 'registered send()');
  }

  #allocated(): Buffer | undefined {
    const { socket } = this.conn;
    if (this.#buffer || !socket.allocBuffer) return this.#buffer;
    try {
      this.#buffer = socket.allocBuffer(this.cap);
    } catch (err) {
      // No room in the bulk area is allowed (SES-10): the data goes as a plain send.
      if (errorCode(err) === 'ENOBUFS') this.conn.enobufs += 1;
      else this.conn.noteCode(`allocBuffer:${errorCode(err)}`);
    }
    return this.#buffer;
  }
}

/** Ends gracefully, or destroys / resets after the plan's delay (writes may be in flight). */
async function close(conn: ConnEnd, plan: WriterPlan): Promise<void> {
  const { socket } = conn;
  if (plan.terminal === 'end') {
    const finished = new Promise((resolve) => socket.once('finish', resolve));
    socket.end();
    await conn.bounded(finished, `'finish' after end()`, true);
    return;
  }
  await conn.pause(plan.delayMs);
  if (socket.destroyed) return;
  conn.abort = plan.terminal;
  if (plan.terminal === 'destroy') socket.destroy();
  else socket.resetAndDestroy();
}
