// The shm SAN provider (issue 4): a software RDMA NIC over shared memory between sanswitch
// processes on one host. This file is its descriptor; the work is split by concern: the
// rendezvous directory, the listener, the connector, the segment and the conduit.
import type { ProbeResult, SanProvider, SanSocket } from '../spi.js';
import { StartupRefcount } from '../spi.js';
import { shmSelfTest } from '../../native/self-test.js';
import { sameUser, type PeerPolicy } from './credentials.js';
import { localAddressList } from './addresses.js';
import { rendezvousDir } from './rendezvous.js';
import { sweepStaleEndpoints } from './sweep.js';
import { ShmSocket } from './socket.js';
import { SHM_CAPABILITIES, SHM_VERSION } from './capabilities.js';

export { sameUser, type PeerPolicy } from './credentials.js';
export { rendezvousDir, endpointKey } from './rendezvous.js';

/** The shm provider's id, as `socket.transport` shows it. */
export const SHM_PROVIDER_ID = 'shm';

/** Options of an shm provider. */
export interface ShmProviderOptions {
  /**
   * Which peer processes may connect, checked by both ends on the channel's SO_PEERCRED
   * credentials. Default: the same effective user (`sameUser`).
   */
  peerPolicy?: PeerPolicy;
  /** The provider id (default `shm`); another id lets tests register a second instance. */
  id?: string;
}

/**
 * A new shm provider descriptor. `probe()` runs the native shim's shared-memory self-test;
 * `startup()` makes sure the rendezvous directory exists and is private, and removes the
 * endpoints killed listeners left there (once per process). Main thread only.
 */
export function createShmProvider(options: ShmProviderOptions = {}): SanProvider {
  const policy = options.peerPolicy ?? sameUser;
  const refcount = new StartupRefcount();
  const id = options.id ?? SHM_PROVIDER_ID;
  return {
    id,
    version: SHM_VERSION,
    capabilities: SHM_CAPABILITIES,
    probe(): ProbeResult {
      const { available, reason } = shmSelfTest();
      return available ? { available } : { available, reason: reason ?? 'self-test failed' };
    },
    startup(): void {
      if (refcount.acquire()) sweepStaleEndpoints(rendezvousDir());
    },
    cleanup(): void {
      refcount.release(id);
    },
    addressList: localAddressList,
    socket(): SanSocket {
      return new ShmSocket(policy);
    },
  };
}

/** The process's default shm provider, registered by src/index.ts. */
export const shmProvider: SanProvider = createShmProvider();
