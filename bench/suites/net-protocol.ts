// What the net-* suites' processes say to each other. On the measured connection: a first
// byte naming what the server does with it. Over the IPC channel to the runner: requests to
// run a scenario or read the CPU clock, and their replies.
import type { NetEndpoint } from '../subjects/net-subject.js';

/** First byte of a connection: the server echoes everything after it. */
export const MODE_ECHO = 0x45;
/** First byte, then a u64 LE byte count: the server consumes that many and answers SINK_ACK. */
export const MODE_SINK = 0x53;
/** First byte: the server answers CONN_REPLY, then closes when the client does. */
export const MODE_CONN = 0x43;
/** First byte: the server answers IDLE_REPLY and then does nothing. */
export const MODE_IDLE = 0x49;
export const SINK_ACK = 0x41;
export const CONN_REPLY = 0x63;
export const IDLE_REPLY = 0x69;

/** What the client peer measures on one request. */
export type Scenario =
  | { kind: 'rtt'; warmup: number; rounds: number; bytes: number }
  | {
      kind: 'stream';
      totalBytes: number;
      writeBytes: number;
      /** Write from one registered buffer (allocBuffer) where the subject has them. */
      registered?: boolean;
    }
  | { kind: 'conns'; count: number }
  | { kind: 'idle-open' }
  | { kind: 'idle-close' };

/** What a scenario measured, and over which transports its connections ran. */
export interface ScenarioResult {
  /** Wall time of the measured part (stream, conns), in nanoseconds. */
  elapsedNs?: number;
  /** Round-trip percentiles (rtt), in microseconds. */
  p50Us?: number;
  p99Us?: number;
  /** Connections made, by the transport that carried them. */
  transports: Record<string, number>;
  /** Distinct fallback reasons the library gave, if any. */
  fallbackReasons: string[];
}

/** CPU time a process has used (process.cpuUsage), in microseconds. */
export interface CpuReading {
  user: number;
  system: number;
}

/** Runner → peer. */
export type PeerRequest =
  | { id: number; op: 'run'; endpoint: NetEndpoint; scenario: Scenario }
  | { id: number; op: 'cpu' }
  | { id: number; op: 'close' };

/** Peer → runner: first `ready` (with the endpoint, from a server), then one reply per request. */
export type PeerMessage =
  | { type: 'ready'; endpoint: NetEndpoint | null }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: string };
