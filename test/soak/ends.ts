// The connection ends of one child process (the client or the server role): opening them
// (client) or recognising them by their header (server), starting their writer and reader,
// and reporting every end's progress twice a second for the orchestrator's stall watch.
import { ConnEnd } from './conn-end.js';
import { HEADER_BYTES, header, headerId } from './content.js';
import type { ChildConfig, ChildEvent, End } from './messages.js';
import type { SoakNet, SoakSocket } from './net.js';
import { connParams, readerSteps, registeredCap, writerPlan } from './plan.js';
import { runReader } from './reader.js';
import { runWriter } from './writer.js';

const PROGRESS_MS = 500;

/** The ends of this process. */
export class Ends {
  readonly #live = new Map<ConnEnd, string>();
  /** Accepted sockets whose header has not named their connection yet. */
  #unnamed = 0;
  #retired: (() => void) | undefined;

  constructor(
    readonly config: ChildConfig,
    readonly net: SoakNet,
    readonly say: (event: ChildEvent) => void,
  ) {
    setInterval(() => this.#progress(), PROGRESS_MS).unref();
  }

  /** Every writer there is now closes after its current step. */
  wrap(): void {
    for (const conn of this.#live.keys()) conn.wrapping = true;
  }

  /** Wraps every end, and calls `done` once all of them (and any still unnamed) closed. */
  retire(done: () => void): void {
    this.wrap();
    this.#retired = done;
    this.#checkRetired();
  }

  #checkRetired(): void {
    if (!this.#retired || this.#live.size > 0 || this.#unnamed > 0) return;
    const done = this.#retired;
    this.#retired = undefined;
    done();
  }

  /** Client: opens connection `id` to `port`; the header goes while it connects. */
  open(id: number, port: number): void {
    const params = connParams(this.config.seed, id, this.config.transport);
    const socket = this.net.connect(port, params.sanBufferBytes);
    const conn = this.#track(socket, id, 'client');
    socket.write(header(id));
    socket.once('connect', () => this.#start(conn));
  }

  /** Server: an accepted socket; its end starts once the header named the connection. */
  accept(socket: SoakSocket): void {
    let head = Buffer.alloc(0);
    // An error before the header (its client aborted at once) only closes the socket.
    const onError = (): void => {};
    const named = (): void => {
      this.#unnamed -= 1;
      socket.off('data', onHead).off('error', onError).off('close', onClose);
    };
    const onClose = (): void => {
      named();
      this.say({ ev: 'unidentified' });
      this.#checkRetired();
    };
    const onHead = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      if (head.length < HEADER_BYTES) return;
      socket.pause();
      named();
      const id = headerId(head);
      if (id === undefined) {
        this.say({ ev: 'fail', check: 'header', detail: `bad header ${head.toString('hex')}` });
        return void socket.destroy();
      }
      const conn = this.#track(socket, id, 'server');
      this.#start(conn, head.subarray(HEADER_BYTES));
    };
    this.#unnamed += 1;
    socket.on('data', onHead).on('error', onError).once('close', onClose);
  }

  #track(socket: SoakSocket, id: number, end: End): ConnEnd {
    const conn = new ConnEnd(socket, id, end, this.config, this.say);
    this.#live.set(conn, '');
    void conn.closed.then(() => {
      this.#live.delete(conn);
      this.#checkRetired();
    });
    return conn;
  }

  #start(conn: ConnEnd, initial?: Buffer): void {
    const { seed, maxWrite, transport } = this.config;
    const { id, end, socket } = conn;
    conn.connected = true;
    this.say({ ev: 'open', id, end, transport: this.net.transportOf(socket) });
    if (initial && initial.length > 0) conn.onData(initial);
    const params = connParams(seed, id, transport);
    const crashed = (err: unknown): void =>
      conn.fail('exception', err instanceof Error ? (err.stack ?? err.message) : String(err));
    runReader(conn, readerSteps(seed, id, end, maxWrite)).catch(crashed);
    const plan = writerPlan(seed, id, end, maxWrite);
    runWriter(conn, plan, registeredCap(params, end, maxWrite)).catch(crashed);
  }

  #progress(): void {
    for (const [conn, last] of this.#live) {
      const { attempted, acked, received } = conn.totals;
      const now = `${attempted}/${acked}/${received}`;
      if (now === last) continue;
      this.#live.set(conn, now);
      this.say({ ev: 'progress', id: conn.id, end: conn.end, totals: { ...conn.totals } });
    }
  }
}
