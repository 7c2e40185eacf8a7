// What the switch needs of the application's socket while it connects one, so that the
// switch (below net/) drives net/socket.ts's Socket without importing it: the socket
// implements this interface, and the switch reaches its two entry points by these symbols.
import type { Conduit } from './conduit.js';

/** Switch-internal entry points of a socket (not part of the public API). */
export const kEstablish = Symbol('sanswitch.establish');
export const kAttempt = Symbol('sanswitch.attempt');

/** A connect in progress: it can be abandoned, and can stop keeping the loop alive. */
export interface ConnectAttempt {
  abort(): void;
  ref(): void;
  unref(): void;
}

/**
 * Why a connection that could have used a SAN provider runs over TCP. Stable codes:
 * - `no-san-provider`: no SAN provider is registered;
 * - `provider-unavailable`: SAN providers are registered but none is available here
 *   (`providers()` says why);
 * - `not-san-address`: the destination is in no available SAN provider's address table;
 * - `no-san-listener`: the peer has no SAN listener of ours (e.g. a plain TCP server);
 * - `san-timeout`: the SAN connect timed out (provider ETIMEDOUT or `sanConnectTimeout`);
 * - `san-setup-failed`: the SAN companion socket could not be created or bound (CB-7);
 * - `san-connect-failed`: the SAN connect failed with an error TCP might not share (CON-4);
 * - `tcp-client`: on an accepted socket, the client connected over TCP.
 */
export type FallbackReason =
  | 'no-san-provider'
  | 'provider-unavailable'
  | 'not-san-address'
  | 'no-san-listener'
  | 'san-timeout'
  | 'san-setup-failed'
  | 'san-connect-failed'
  | 'san-declined'
  | 'tcp-client';

/** A socket the switch connects or hands an accepted connection to. Main thread only. */
export interface SwitchSocket {
  readonly destroyed: boolean;
  destroy(err?: Error): unknown;
  emit(event: string, ...args: unknown[]): boolean;
  once(event: string, listener: () => void): unknown;
  /** A connect attempt started (aborted if the socket is destroyed); undefined: none yet. */
  [kAttempt](attempt: ConnectAttempt | undefined): void;
  /** The connection is established over `conduit`; `connected` emits `connect`. */
  [kEstablish](
    conduit: Conduit,
    transport: string,
    reason: FallbackReason | null,
    connected?: boolean,
  ): void;
}
