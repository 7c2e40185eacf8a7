// Observability of route decisions: every choice of transport is published on the
// `sanswitch:route` diagnostics channel and logged with NODE_DEBUG=sanswitch.
import { channel } from 'node:diagnostics_channel';
import { debuglog } from 'node:util';

/** The diagnostics_channel name route decisions are published on. */
export const ROUTE_CHANNEL = 'sanswitch:route';

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
  | 'tcp-client';

/** One published route decision. */
export interface RouteMessage {
  /** What was routed. */
  op: 'connect' | 'listen' | 'accept';
  address: string;
  port: number;
  /** The provider that carries it (`tcp`, `shm`, …); for `listen`, every provider listening. */
  transport: string;
  /** For TCP connections that could have used a SAN provider; null otherwise. */
  fallbackReason: FallbackReason | null;
  /** The SAN provider tried or chosen, if any. */
  provider: string | null;
}

const routeChannel = channel(ROUTE_CHANNEL);
const debug = debuglog('sanswitch');

/** Publishes one decision (only when someone subscribes) and logs it. Main thread only. */
export function publishRoute(message: RouteMessage): void {
  debug(
    'route %s %s:%d -> %s (reason %s, provider %s)',
    message.op,
    message.address,
    message.port,
    message.transport,
    message.fallbackReason,
    message.provider,
  );
  if (routeChannel.hasSubscribers) routeChannel.publish(message);
}
