// The accept path (LIS-3..5, ACC-2..6): when a SAN listener signals its accept event, drain
// its queue until it would block, letting the server's condition accept or refuse each
// request before the provider answers the peer, so a refused peer gets ECONNREFUSED. A
// request the provider declined for want of resources is reported, and its client goes on
// over TCP.
import { debuglog } from 'node:util';
import type { Conduit } from '../types/conduit.js';
import type { FallbackReason } from '../types/switch-socket.js';
import type { SanConnectRequest, SanProvider, SanSocket } from '../providers/spi.js';
import { codes, isWouldBlock } from '../errors.js';
import { publishRoute } from './diagnostics.js';

const debug = debuglog('sanswitch');

/** A SAN connection request as `acceptFilter` sees it. */
export interface AcceptInfo {
  /** The SAN provider the request came through. */
  provider: string;
  remoteAddress: string;
  remotePort: number;
  remoteFamily: string;
  localAddress: string;
  localPort: number;
}

/** What the listener's owner decides and receives. */
export interface AcceptHooks {
  /** Accept (true) or refuse (false) one request; runs before the peer is answered (ACC-4). */
  condition(info: AcceptInfo): boolean;
  /**
   * An accepted connection, whatever carries it: SAN connections with reason null, TCP ones
   * with `tcp-client` (the one accept path of every transport).
   */
  connection(conduit: Conduit, transport: string, reason: FallbackReason | null): void;
}

/** What the drain reports besides: a request the provider declined for want of resources. */
export interface DrainHooks extends AcceptHooks {
  declined(info: AcceptInfo): void;
}

function toInfo(provider: SanProvider, request: SanConnectRequest): AcceptInfo {
  return {
    provider: provider.id,
    remoteAddress: request.remote.address,
    remotePort: request.remote.port,
    remoteFamily: request.remote.family,
    localAddress: request.local.address,
    localPort: request.local.port,
  };
}

/**
 * Drains `listener` until it would block (LIS-5). A condition that throws refuses the request.
 * Main thread only; called from the provider's accept event.
 */
export function drainAccepts(listener: SanSocket, provider: SanProvider, hooks: DrainHooks): void {
  for (;;) {
    let info: AcceptInfo | undefined;
    let accepted: SanSocket;
    try {
      accepted = listener.accept((request) => {
        info = toInfo(provider, request);
        try {
          return hooks.condition(info) === true;
        } catch (err) {
          debug('accept condition threw, refusing: %s', (err as Error).message);
          return false;
        }
      });
    } catch (err) {
      if (isWouldBlock(err)) return;
      const code = (err as { code?: string }).code;
      if (code === 'ECONNREFUSED') {
        debug('refused %s:%d on %s', info?.remoteAddress, info?.remotePort, provider.id);
        continue;
      }
      if (code === codes.SAN_DECLINED && info) {
        debug(
          'declined %s:%d on %s: %s',
          info.remoteAddress,
          info.remotePort,
          provider.id,
          (err as Error).message,
        );
        hooks.declined(info);
        continue;
      }
      debug('accept on %s failed: %s', provider.id, (err as Error).message);
      return;
    }
    const where = info ?? { localAddress: '', localPort: 0 };
    publishRoute({
      op: 'accept',
      address: where.localAddress,
      port: where.localPort,
      transport: provider.id,
      fallbackReason: null,
      provider: provider.id,
    });
    hooks.connection(accepted.conduit(), provider.id, null);
  }
}
