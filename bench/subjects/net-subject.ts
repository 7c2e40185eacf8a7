// What a side-by-side network subject is to the net-* suites: how a peer process listens and
// how the other connects, and which transport its connections are meant to use, so that a
// row is labelled honestly when a connection ran over something else.
import type { Duplex } from 'node:stream';

/** Where a subject's server listens: a TCP port on loopback, or a Unix socket path. */
export type NetEndpoint = { host: string; port: number } | { path: string };

/** A connected client socket and the transport that actually carries it. */
export interface NetConnection {
  socket: Duplex & {
    setNoDelay(noDelay?: boolean): unknown;
    /** Registered memory, where the subject has it (sanswitch). */
    allocBuffer?(bytes: number): Buffer;
  };
  /** `tcp`, `uds`, `shm`, …: what carries this connection. */
  transport: string;
  /** Why it is not on the subject's transport, where the library says; else null. */
  fallbackReason: string | null;
}

/** A listening server in the peer process. */
export interface NetListener {
  endpoint: NetEndpoint;
  /** Stops listening at once (a Unix socket's file is removed); open connections stay. */
  close(): void;
}

/** One network stack measured side by side (one file per subject). */
export interface NetSubject {
  /** Name in the results, e.g. `node-tcp`. */
  readonly name: string;
  /** The transport the subject is about; rows whose connections used another are marked. */
  readonly transport: string;
  /** Listens on a fresh endpoint, handing every accepted socket to `onConnection`. */
  listen(onConnection: (socket: Duplex) => void): Promise<NetListener>;
  /**
   * Connects to `endpoint`; resolves once connected. `bufferBytes`: registered memory the
   * connection needs, for subjects that size it (others ignore it).
   */
  connect(endpoint: NetEndpoint, bufferBytes?: number): Promise<NetConnection>;
}
