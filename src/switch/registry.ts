// The explicit provider registry (INS-3): SAN providers are registered and unregistered at
// run time, each is probed and started once (INIT-1, INIT-7), and every change is announced
// with a `change` event so that the address table and wildcard listeners follow (INS-4).
import { EventEmitter } from 'node:events';
import { debuglog } from 'node:util';
import type { IpProvider, SanProvider } from '../providers/spi.js';
import { codes, invalidArgType, libraryError } from '../errors.js';
import { tcpProvider } from '../providers/tcp/index.js';

const debug = debuglog('sanswitch');

/** What `providers()` says about one provider. */
export interface ProviderStatus {
  id: string;
  /** The provider's version (for tcp, Node's, whose node:net it is). */
  version: string;
  /** Whether it can carry connections in this process. */
  available: boolean;
  /** Why it is unavailable; null when available. */
  reason: string | null;
}

/** The payload of the registry's `change` event. */
export interface RegistryChange {
  type: 'register' | 'unregister';
  id: string;
}

interface Entry {
  provider: SanProvider;
  available: boolean;
  reason: string | null;
}

const REQUIRED_METHODS = ['probe', 'startup', 'cleanup', 'addressList', 'socket'] as const;

function validate(provider: unknown): asserts provider is SanProvider {
  if (typeof provider !== 'object' || provider === null) {
    throw invalidArgType('provider', 'of type object', provider);
  }
  const candidate = provider as Record<string, unknown>;
  const missing = REQUIRED_METHODS.filter((name) => typeof candidate[name] !== 'function');
  if (typeof candidate.id !== 'string' || !/^[a-z][a-z0-9-]*$/.test(candidate.id)) {
    missing.unshift('id' as never);
  }
  if (missing.length > 0) {
    throw libraryError(codes.INVALID_PROVIDER, `not a SAN provider: lacks ${missing.join(', ')}`);
  }
}

/**
 * The SAN provider registry. Main thread only. Emits `change` (RegistryChange) after each
 * register/unregister, once the provider is started or cleaned up.
 */
export class ProviderRegistry extends EventEmitter {
  readonly #entries = new Map<string, Entry>();
  /** The TCP/IP provider: always there, never registered or unregistered. */
  readonly ip: IpProvider = tcpProvider;

  /**
   * Adds a SAN provider: probes it, and starts it up when available. Throws
   * `ERR_SANSWITCH_INVALID_PROVIDER` or `ERR_SANSWITCH_PROVIDER_EXISTS`. A provider whose
   * probe or start-up throws is kept, marked unavailable with the reason.
   */
  register(provider: SanProvider): void {
    validate(provider);
    if (provider.id === this.ip.id || this.#entries.has(provider.id)) {
      throw libraryError(codes.PROVIDER_EXISTS, `provider ${provider.id} is already registered`);
    }
    const entry: Entry = { provider, available: false, reason: null };
    try {
      const probe = provider.probe();
      entry.available = probe.available;
      entry.reason = probe.available ? null : (probe.reason ?? 'unavailable');
      if (entry.available) provider.startup();
    } catch (err) {
      entry.available = false;
      entry.reason = `start-up failed: ${(err as Error).message}`;
    }
    debug('register %s available=%s reason=%s', provider.id, entry.available, entry.reason);
    this.#entries.set(provider.id, entry);
    this.emit('change', { type: 'register', id: provider.id } satisfies RegistryChange);
  }

  /** Removes a provider and cleans it up (INIT-7). Throws `ERR_SANSWITCH_UNKNOWN_PROVIDER`. */
  unregister(id: string): void {
    const entry = this.#entries.get(id);
    if (!entry) throw libraryError(codes.UNKNOWN_PROVIDER, `provider ${id} is not registered`);
    this.#entries.delete(id);
    if (entry.available) {
      try {
        entry.provider.cleanup();
      } catch (err) {
        debug('cleanup %s failed: %s', id, (err as Error).message);
      }
    }
    this.emit('change', { type: 'unregister', id } satisfies RegistryChange);
  }

  /** Every registered SAN provider, in registration order. */
  list(): SanProvider[] {
    return [...this.#entries.values()].map((entry) => entry.provider);
  }

  /** The registered SAN providers that are available here, in registration order. */
  available(): SanProvider[] {
    return [...this.#entries.values()].filter((e) => e.available).map((e) => e.provider);
  }

  /** The provider with this id when it is registered and available. */
  get(id: string): SanProvider | undefined {
    const entry = this.#entries.get(id);
    return entry?.available ? entry.provider : undefined;
  }

  /** `tcp` first (always available), then each SAN provider. */
  status(): ProviderStatus[] {
    const san = [...this.#entries.values()].map((entry) => ({
      id: entry.provider.id,
      version: entry.provider.version,
      available: entry.available,
      reason: entry.reason,
    }));
    const { id, version } = this.ip;
    return [{ id, version, available: true, reason: null }, ...san];
  }
}

/** The process's registry. */
export const registry = new ProviderRegistry();
