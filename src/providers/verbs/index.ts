// The verbs SAN provider: real RDMA through libibverbs. Only its probe exists so far: it says
// which RDMA devices libibverbs finds here, and why the provider is unavailable, so that
// `providers()` and `sanswitch doctor` answer "why not RDMA?". The data path (the native shim
// posting work requests read from rings) is not built, so it is never available yet.
import type { ProbeResult, SanProvider, SanSocket } from '../spi.js';
import { notSupported, StartupRefcount } from '../spi.js';
import { loadNative } from '../../native/addon.js';

/** The verbs provider's id, as `socket.transport` would show it. */
export const VERBS_PROVIDER_ID = 'verbs';

/** Why verbs is unavailable here, from the native shim's libibverbs probe. Never throws. */
export function verbsUnavailableReason(): string {
  const load = loadNative();
  if (!load.addon) return `the native shim is not loaded (${load.reason})`;
  const probe = load.addon.verbsProbe();
  if (!probe.built) {
    return 'the native shim was built without libibverbs (install libibverbs-dev, then npm run build:native)';
  }
  if (probe.devices.length === 0) {
    return `no RDMA device (ibv_get_device_list: ${probe.error ?? 'none found'})`;
  }
  return `RDMA devices found (${probe.devices.join(', ')}), but the verbs data path is not built yet`;
}

/** The process's verbs provider descriptor, registered by src/index.ts. Main thread only. */
export function createVerbsProvider(): SanProvider {
  const refcount = new StartupRefcount();
  return {
    id: VERBS_PROVIDER_ID,
    version: '0.1.0',
    capabilities: { rdmaRead: true },
    probe(): ProbeResult {
      return { available: false, reason: verbsUnavailableReason() };
    },
    startup(): void {
      refcount.acquire();
    },
    cleanup(): void {
      refcount.release(VERBS_PROVIDER_ID);
    },
    addressList: () => [],
    // Never called: the switch uses only available providers.
    socket(): SanSocket {
      return notSupported('socket');
    },
  };
}

/** The process's default verbs provider. */
export const verbsProvider: SanProvider = createVerbsProvider();
