// What the soak's processes tell each other over their IPC channels: the configuration a child
// starts with, the orchestrator's commands, and the events the children report back.

/** The soak's processes other than the orchestrator. */
export type Role = 'server' | 'proxy' | 'client';

/** The two ends of a soak connection (the proxy is in neither: it only pipes). */
export type End = 'client' | 'server';

/** The transports the soak runs over: sanswitch's shm, or plain node:net (checks the checker). */
export type TransportName = 'shm' | 'fabric' | 'tcp';

/** A child's configuration (JSON in its first argument). */
export interface ChildConfig {
  role: Role;
  seed: number;
  transport: TransportName;
  maxWrite: number;
  /** How long any single wait may take before the child reports a failure, ms. */
  waitMs: number;
  /** The proxy's destination port. */
  target?: number;
  /** The child exits on its own after this long whatever happens (a backstop), ms. */
  lifetimeMs: number;
}

/** Orchestrator → child. */
export type Command =
  | { op: 'open'; id: number; port: number }
  | { op: 'target'; port: number }
  | { op: 'wrap' }
  | { op: 'retire' };

/** The counters of one end of one connection that show its progress. */
export interface Totals {
  /** Bytes handed to write()/send() (the content stream's length so far). */
  attempted: number;
  /** Bytes whose write callback succeeded or whose send() resolved. */
  acked: number;
  /** Bytes received, every one of them verified against the content stream. */
  received: number;
}

/** How an end of a connection finished, reported once it closed. */
export interface EndReport extends Totals {
  /** The connect (client) completed. */
  connected: boolean;
  /** end() was called and 'finish' followed. */
  finished: boolean;
  /** The peer's end of stream arrived ('end'). */
  gotEnd: boolean;
  /**
   * This end had already called end() when the peer's end of stream arrived. node:net then
   * reports a peer's reset as an end of stream too (libuv reads ECONNRESET after our own
   * shutdown as EOF), so that end proves nothing about completeness.
   */
  halfClosedAtEnd: boolean;
  /** This end aborted the connection itself (before any error reached it). */
  abort: 'destroy' | 'reset' | null;
  /** System error codes (E…) that reached this end before any abort of its own. */
  errors: string[];
  /** Other error codes, as the stream reports writes cut short by a destroy. */
  secondary: string[];
  /** Registered sends that fell back to plain ones because allocBuffer() had no room. */
  enobufs: number;
}

/** One leg of the proxy: its socket's counters (written includes what is still buffered). */
export interface LegTotals {
  read: number;
  written: number;
  buffered: number;
  /** The socket's state: paused, eof (end received), ending, finished, destroyed. */
  state: string[];
}

/** Child → orchestrator. */
export type ChildEvent =
  | { ev: 'ready'; port?: number }
  | { ev: 'open'; id: number; end: End; transport: string }
  | { ev: 'leg'; transport: string }
  | { ev: 'targeted'; port: number }
  | { ev: 'relay'; id: number; clientLeg: LegTotals; serverLeg: LegTotals }
  | { ev: 'progress'; id: number; end: End; totals: Totals }
  | { ev: 'closed'; id: number; end: End; report: EndReport }
  | { ev: 'unidentified' }
  | { ev: 'fail'; id?: number; end?: End; check: string; detail: string };
