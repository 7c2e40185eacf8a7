// The fabric SAN provider (issue 15): RDMA between hosts through libfabric, on its verbs
// provider where there is an RDMA NIC and on its tcp provider elsewhere (a correctness path,
// slower than TCP by design). This file is its descriptor: the probe (libfabric loads, the
// chosen provider offers FI_EP_MSG with RDMA, and WASM bounds traps still throw after the
// load), the address table from libfabric's domains, and one domain per process, opened by
// the first socket. Connections run the shm session protocol on mirrored segment images
// (conduit.ts).
import { networkInterfaces } from 'node:os';
import type { ProbeResult, SanProvider, SanSocket } from '../spi.js';
import { StartupRefcount } from '../spi.js';
import { processCore } from '../../wasm/process-core.js';
import { systemError } from '../../errors.js';
import { fabricMissing, loadFabric } from './native.js';
import type { FabricProbe } from '../../native/addon.js';
import { FabricDomain } from './domain.js';
import { FabricSocket } from './socket.js';
import { chooseProvider, portOffset } from './settings.js';

export { DEFAULT_PORT_OFFSET, sanPort } from './settings.js';

/** The fabric provider's id, as `socket.transport` shows it. */
export const FABRIC_PROVIDER_ID = 'fabric';
const FABRIC_VERSION = '0.1.0';

/** Options of a fabric provider. */
export interface FabricProviderOptions {
  /** libfabric's provider (`verbs`, `tcp`); default FI_PROVIDER, else verbs where present, else tcp. */
  provider?: string;
  /**
   * Added to the application's TCP port to make the SAN listener's port, for libfabric
   * providers that share the kernel's port space; default SANSWITCH_FABRIC_PORT_OFFSET, else
   * 1000 for tcp and 0 for verbs (rdma_cm has its own port space). Both ends must agree.
   */
  portOffset?: number;
  /** The provider id (default `fabric`); another id lets tests register a second instance. */
  id?: string;
  /**
   * Serve the loopback interface too (default SANSWITCH_FABRIC_LOOPBACK=1, else false: this
   * host's own clients use shm). For tests and measurements of fabric on one host.
   */
  loopback?: boolean;
}

/** A one-page module whose export reads memory at its argument: out of bounds must throw. */
const TRAP_MODULE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 6, 1, 96, 1, 127, 1, 127, 3, 2, 1, 0, 5, 3, 1, 0, 1, 7, 5, 1, 1,
  102, 0, 0, 10, 9, 1, 7, 0, 32, 0, 40, 2, 0, 11,
]);

/**
 * Whether a WASM out-of-bounds load still throws a RuntimeError in this process. Loading
 * libfabric can replace V8's SIGSEGV handler (notes/libfabric.md): the shim guards against it,
 * and this checks that the guard worked before any connection relies on it.
 */
export function wasmTrapsThrow(): boolean {
  const read = new WebAssembly.Instance(new WebAssembly.Module(TRAP_MODULE)).exports.f as (
    at: number,
  ) => number;
  try {
    read(1 << 20);
    return false;
  } catch (err) {
    return err instanceof WebAssembly.RuntimeError;
  }
}

/**
 * The IPv4 subnets of this host's interfaces (INIT-5): those of `served` (the addresses of
 * the provider's domains, once libfabric is loaded), else every interface, which is what the
 * tcp provider's domains are. Loopback only with `loopback`: this host's own clients use shm.
 */
function subnets(served: ReadonlySet<string> | undefined, loopback: boolean): string[] {
  const list: string[] = [];
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (a.family !== 'IPv4' || !a.cidr || (a.internal && !loopback)) continue;
      if (!served || served.has(a.address)) list.push(a.cidr);
    }
  }
  return list;
}

/** libfabric loaded, checked and opened for one provider, or why not. */
type Opened =
  { domain: FabricDomain; served: Set<string>; reason: null } | { domain: null; reason: string };

/**
 * Why libfabric's `provider` cannot carry connections here, or null: it does not load, it
 * offers no FI_EP_MSG with RDMA, or WASM bounds traps no longer throw. Loads libfabric
 * (about 300 ms, once per process).
 */
function unusable(provider: string): string | null {
  const { addon, reason } = loadFabric();
  if (!addon) return reason;
  const probe = addon.fabricProbe(provider);
  if (!probe.providers.some((p) => p.provider === provider)) {
    const found = [...new Set(addon.fabricProbe().providers.map((p) => p.provider))];
    return `libfabric ${probe.version} has no ${provider} provider with FI_EP_MSG and RDMA here (found: ${found.join(', ') || 'none'})`;
  }
  if (!wasmTrapsThrow()) {
    return `loading libfabric broke WebAssembly bounds traps (handlers replaced: ${probe.replaced ?? 'none'})`;
  }
  return null;
}

/** Runs the checks of unusable() and opens `provider`'s domain. */
function open(provider: string): Opened {
  const reason = unusable(provider);
  const addon = loadFabric().addon;
  if (reason !== null || !addon)
    return { domain: null, reason: reason ?? 'libfabric did not load' };
  try {
    const domain = new FabricDomain(addon, processCore(), provider);
    const served = addon.fabricProbe(provider).providers.filter((p) => p.provider === provider);
    return { domain, served: new Set(served.map((p) => p.address)), reason: null };
  } catch (err) {
    return { domain: null, reason: `fi_domain failed: ${(err as Error).message}` };
  }
}

/** What `sanswitch doctor` shows of fabric. */
export interface FabricReport {
  /** Why libfabric cannot load here at all, or null. */
  missing: string | null;
  /** What loading found (providers, version, replaced handlers), when it loaded. */
  library: FabricProbe | null;
  /** The libfabric provider fabric would use, and the SAN port offset over it. */
  provider: string | null;
  portOffset: number | null;
  /** Why fabric cannot carry connections here, or null when it can. */
  unusable: string | null;
}

/** Gathers the FabricReport for the default options; loads libfabric. Never throws. */
export function fabricReport(): FabricReport {
  const missing = fabricMissing();
  const addon = missing === null ? loadFabric().addon : null;
  if (!addon) {
    const why = missing ?? loadFabric().reason ?? 'libfabric did not load';
    return { missing: why, library: null, provider: null, portOffset: null, unusable: why };
  }
  const library = addon.fabricProbe();
  const provider = chooseProvider(library.providers.map((p) => p.provider));
  let offset: number | null = null;
  try {
    offset = portOffset(provider);
  } catch {
    // A bad SANSWITCH_FABRIC_PORT_OFFSET: every socket would refuse it too.
  }
  return { missing, library, provider, portOffset: offset, unusable: unusable(provider) };
}

/**
 * A new fabric provider descriptor. `probe()` only checks that libfabric can be loaded; the
 * first socket loads it and opens the process's domain (open() above: a failure there is
 * kept, and every socket then throws it, so that the switch uses TCP, CB-7). `cleanup()`
 * closes the domain after the last user. Main thread only.
 */
export function createFabricProvider(options: FabricProviderOptions = {}): SanProvider {
  const refcount = new StartupRefcount();
  const id = options.id ?? FABRIC_PROVIDER_ID;
  const loopback = options.loopback ?? process.env.SANSWITCH_FABRIC_LOOPBACK === '1';
  let opened: Opened | undefined;
  // Verbs needs the library loaded to be known; the default (tcp here) does not.
  const provider = (): string => {
    const offered =
      loadFabric()
        .addon?.fabricProbe()
        .providers.map((p) => p.provider) ?? [];
    return chooseProvider(offered, options.provider);
  };
  const named = options.provider ?? process.env.FI_PROVIDER;
  return {
    id,
    version: FABRIC_VERSION,
    capabilities: { rdmaRead: true },
    probe(): ProbeResult {
      const reason = fabricMissing();
      return reason === null ? { available: true } : { available: false, reason };
    },
    startup(): void {
      refcount.acquire();
    },
    cleanup(): void {
      if (refcount.release(id) && opened?.domain) {
        opened.domain.close();
        opened = undefined;
      }
    },
    addressList(): string[] {
      if (!opened && named === undefined) return subnets(undefined, loopback);
      opened ??= open(provider());
      return opened.domain ? subnets(opened.served, loopback) : [];
    },
    socket(): SanSocket {
      opened ??= open(provider());
      if (!opened.domain) throw systemError('ENETDOWN', { syscall: `socket (${opened.reason})` });
      const { domain } = opened;
      return new FabricSocket(domain, portOffset(domain.provider, options.portOffset));
    },
  };
}

/** The process's default fabric provider. */
export const fabricProvider: SanProvider = createFabricProvider();
