// What the shm provider is and can do, as its descriptor announces it: one definition, read
// by the descriptor (src/providers/shm/index.ts) and by the conduits it builds, so that the
// session offers the peer exactly the capabilities the descriptor claims.
import type { SanCapabilities } from '../spi.js';

/** The shm provider's version (its SPI implementation, not the package's). */
export const SHM_VERSION = '1.1.0';

/** The soft RNIC executes RDMA reads: a session offers SES-9a (read-based rendezvous). */
export const SHM_CAPABILITIES: Readonly<SanCapabilities> = { rdmaRead: true };
