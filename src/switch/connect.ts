// Connect orchestration (SEL-2, CON): resolve the destination, try the SAN provider whose
// address table holds it, and fall back to TCP only where CON-4/CON-5 allow, before the
// connection is established (ARC-5). The SAN attempt is abandoned by closing it (BLK-2).
import { lookup } from 'node:dns';
import { isIP } from 'node:net';
import { kAttempt, kEstablish, type SwitchSocket } from '../types/switch-socket.js';
import type { ConnectRequest } from '../types/requests.js';
import type { SanProvider, SanSocket } from '../providers/spi.js';
import { abortError, codes, systemError } from '../errors.js';
import { addressTable } from './address-table.js';
import { registry } from './registry.js';
import { publishRoute, type FallbackReason } from './diagnostics.js';

/** SAN connect errors that reach the application with no TCP retry (CON-4). */
const FINAL_SAN_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH']);

/** Starts connecting `socket`. Throws Node's argument errors synchronously. Main thread only. */
export function connectSocket(socket: SwitchSocket, request: ConnectRequest): void {
  socket[kAttempt](undefined);
  const signal = request.signal;
  if (signal) {
    if (signal.aborted) {
      process.nextTick(() => socket.destroy(abortError(signal.reason)));
      return;
    }
    const onAbort = (): void => {
      socket.destroy(abortError(signal.reason));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('close', () => signal.removeEventListener('abort', onAbort));
  }
  if (addressTable.empty) return viaTcp(socket, request, request.host, idleReason(), null);
  if (isIP(request.host) !== 0) return route(socket, request, request.host);
  lookup(request.host, { all: true, family: request.family }, (err, addresses) => {
    if (socket.destroyed) return;
    const hit = addresses?.find((a) => addressTable.lookup(a.address)) ?? addresses?.[0];
    if (err || !hit) {
      const failure = err ?? systemError('ENOTFOUND', { syscall: 'getaddrinfo' });
      socket.emit('lookup', failure, undefined, undefined, request.host);
      return socket.destroy(failure);
    }
    socket.emit('lookup', null, hit.address, hit.family, request.host);
    route(socket, request, hit.address);
  });
}

/** Why a destination outside the address table goes over TCP. */
function idleReason(): FallbackReason {
  if (registry.list().length === 0) return 'no-san-provider';
  if (registry.available().length === 0) return 'provider-unavailable';
  return 'not-san-address';
}

function route(socket: SwitchSocket, request: ConnectRequest, ip: string): void {
  const provider = addressTable.lookup(ip);
  if (provider) viaSan(socket, request, ip, provider);
  else viaTcp(socket, request, ip, idleReason(), null);
}

function closeQuietly(san: SanSocket | undefined): void {
  try {
    san?.close();
  } catch {
    // CLS-2: a provider's close never fails; a faulty one must not break the fallback.
  }
}

/** The fallback reason for a SAN connect error, or null when the error is final (CON-4). */
function fallbackFor(err: Error): FallbackReason | null {
  const code = (err as { code?: string }).code ?? '';
  if (FINAL_SAN_ERRORS.has(code)) return null;
  if (code === codes.NO_SAN_LISTENER) return 'no-san-listener';
  if (code === codes.SAN_DECLINED) return 'san-declined';
  if (code === 'ETIMEDOUT') return 'san-timeout';
  return 'san-connect-failed';
}

function viaSan(
  socket: SwitchSocket,
  request: ConnectRequest,
  ip: string,
  provider: SanProvider,
): void {
  let san: SanSocket | undefined;
  let settled = false;
  const settle = (): boolean => {
    if (settled) return false;
    settled = true;
    clearTimeout(timer);
    return true;
  };
  const fallback = (reason: FallbackReason): void => {
    closeQuietly(san);
    viaTcp(socket, request, ip, reason, provider.id);
  };
  const done = (err: Error | null): void => {
    if (!settle() || socket.destroyed) return;
    if (!err) {
      publishRoute({
        op: 'connect',
        address: ip,
        port: request.port,
        transport: provider.id,
        fallbackReason: null,
        provider: provider.id,
      });
      socket[kEstablish]((san as SanSocket).conduit(), provider.id, null);
      return;
    }
    const reason = fallbackFor(err);
    if (reason) return fallback(reason);
    closeQuietly(san);
    const code = (err as Error & { code: string }).code;
    socket.destroy(systemError(code, { syscall: 'connect', address: ip, port: request.port }));
  };
  const timer = setTimeout(() => {
    if (settle()) fallback('san-timeout');
  }, request.sanConnectTimeout);
  socket[kAttempt]({
    abort: () => {
      if (settle()) closeQuietly(san);
    },
    ref: () => timer.ref(),
    unref: () => timer.unref(),
  });
  try {
    san = provider.socket();
    if (request.localAddress) san.bind(request.localAddress, request.localPort ?? 0);
    if (request.sanBufferBytes !== undefined) {
      san.setOptions?.({ bufferBytes: request.sanBufferBytes });
    }
    // Completion is always reported on a later tick, as node:net reports connect (CON-2).
    san.eventSelect({ connect: (err) => process.nextTick(done, err) });
  } catch {
    // CB-7: the companion could not be created or bound; the application sees no error.
    if (settle()) fallback('san-setup-failed');
    return;
  }
  try {
    san.connect(ip, request.port);
  } catch (err) {
    process.nextTick(done, err as Error);
  }
}

function viaTcp(
  socket: SwitchSocket,
  request: ConnectRequest,
  host: string,
  reason: FallbackReason,
  provider: string | null,
): void {
  publishRoute({
    op: 'connect',
    address: host,
    port: request.port,
    transport: registry.ip.id,
    fallbackReason: reason,
    provider,
  });
  const options = { host, port: request.port, ...pickLocal(request) };
  const attempt = registry.ip.connect(options, {
    lookup: (err, address, family, name) => socket.emit('lookup', err, address, family, name),
    connect: (conduit) => socket[kEstablish](conduit, registry.ip.id, reason),
    error: (err) => socket.destroy(err),
  });
  socket[kAttempt](attempt);
}

function pickLocal(request: ConnectRequest): Record<string, string | number> {
  const local: Record<string, string | number> = {};
  if (request.localAddress !== undefined) local.localAddress = request.localAddress;
  if (request.localPort !== undefined) local.localPort = request.localPort;
  if (request.family !== 0) local.family = request.family;
  return local;
}
