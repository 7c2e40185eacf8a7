// Observability of route decisions: every choice of transport is published on the
// `sanswitch:route` diagnostics channel and logged with NODE_DEBUG=sanswitch.
import { channel } from 'node:diagnostics_channel';
import { debuglog } from 'node:util';
import type { FallbackReason } from '../types/switch-socket.js';

/** The diagnostics_channel name route decisions are published on. */
export const ROUTE_CHANNEL = 'sanswitch:route';

export type { FallbackReason };

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
