// sanswitch's public API: node:net-shaped sockets and servers that run over a SAN provider
// when both ends support it and over TCP otherwise, plus the provider registry.
export { connect, createConnection, createServer } from './net/api.js';
export { Socket, type SocketOptions } from './net/socket.js';
export { Server, type ServerOptions } from './net/server.js';
export { type ConnectOptions } from './net/args.js';
export { SAN_CONNECT_TIMEOUT_MS } from './types/requests.js';
export type { Conduit, EndpointInfo } from './types/conduit.js';
export {
  registry,
  type ProviderRegistry,
  type ProviderStatus,
  type RegistryChange,
} from './switch/registry.js';
export { refreshAddresses, ADDRESS_POLL_MS } from './switch/address-table.js';
export { ROUTE_CHANNEL, type FallbackReason, type RouteMessage } from './switch/diagnostics.js';
export type { AcceptInfo } from './switch/accept.js';
export type {
  ProbeResult,
  SanCapabilities,
  SanConnectRequest,
  SanEvents,
  SanProvider,
  SanSocket,
} from './providers/spi.js';
export { notSupported, StartupRefcount } from './providers/spi.js';
export { codes, statusToError, type SystemError } from './errors.js';
export {
  createShmProvider,
  shmProvider,
  SHM_PROVIDER_ID,
  type ShmProviderOptions,
  type PeerPolicy,
} from './providers/shm/index.js';
export {
  createFabricProvider,
  fabricProvider,
  FABRIC_PROVIDER_ID,
  DEFAULT_PORT_OFFSET,
  type FabricProviderOptions,
} from './providers/fabric/index.js';

import { registry } from './switch/registry.js';
import type { ProviderStatus } from './switch/registry.js';
import { shmProvider } from './providers/shm/index.js';
import { fabricProvider } from './providers/fabric/index.js';

// The default SAN providers: importing the package registers them (ARC-1: the switch serves
// applications that never touch the registry).
registry.register(shmProvider);
registry.register(fabricProvider);

/** Every provider (`tcp` first), whether it is available here, and why not. */
export function providers(): ProviderStatus[] {
  return registry.status();
}
