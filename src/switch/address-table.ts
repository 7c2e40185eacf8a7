// The table that maps local IPs and subnets to the SAN provider serving them (INIT-5), rebuilt
// on every registry change and on every address change (INIT-6). Node has no address-change
// event, so an unref'd timer polls os.networkInterfaces() (one getifaddrs, microseconds) and
// re-queries every provider when the interfaces change; polling keeps provider calls off the
// connect path, and `refreshAddresses()` lets a caller that changed addresses skip the wait.
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { debuglog } from 'node:util';
import type { SanProvider } from '../providers/spi.js';
import { registry, type ProviderRegistry } from './registry.js';

const debug = debuglog('sanswitch');

/** How often the interfaces are compared for changes, in milliseconds. */
export const ADDRESS_POLL_MS = 2000;

interface Row {
  provider: SanProvider;
  list: BlockList;
}

function familyOf(ip: string): 'ipv4' | 'ipv6' {
  return isIP(ip) === 6 ? 'ipv6' : 'ipv4';
}

function toBlockList(entries: string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [ip = '', prefix] = entry.split('/');
    if (isIP(ip) === 0) continue;
    if (prefix === undefined) list.addAddress(ip, familyOf(ip));
    else list.addSubnet(ip, Number(prefix), familyOf(ip));
  }
  return list;
}

function interfacesFingerprint(): string {
  const all = networkInterfaces();
  return Object.keys(all)
    .sort()
    .map((name) => `${name}=${(all[name] ?? []).map((a) => a.cidr).join(',')}`)
    .join(';');
}

/** Local IP → SAN provider. Main thread only. */
export class AddressTable {
  #rows: Row[] = [];
  #fingerprint = '';
  #timer: NodeJS.Timeout | undefined;
  readonly #registry: ProviderRegistry;

  constructor(source: ProviderRegistry) {
    this.#registry = source;
    source.on('change', () => this.refresh());
  }

  /** Re-queries every available provider's address list (INIT-5, INIT-6). */
  refresh(): void {
    const rows: Row[] = [];
    for (const provider of this.#registry.available()) {
      try {
        rows.push({ provider, list: toBlockList(provider.addressList()) });
      } catch (err) {
        debug('addressList %s failed: %s', provider.id, (err as Error).message);
      }
    }
    this.#rows = rows;
    this.#fingerprint = interfacesFingerprint();
    this.#poll(rows.length > 0);
    debug('address table: %s', rows.map((r) => r.provider.id).join(',') || 'empty');
  }

  /** The provider serving `ip`, first registered first, or undefined. */
  lookup(ip: string): SanProvider | undefined {
    if (isIP(ip) === 0) return undefined;
    return this.#rows.find((row) => row.list.check(ip, familyOf(ip)))?.provider;
  }

  /** Every provider serving `ip`, first registered first. */
  lookupAll(ip: string): SanProvider[] {
    if (isIP(ip) === 0) return [];
    return this.#rows.filter((row) => row.list.check(ip, familyOf(ip))).map((row) => row.provider);
  }

  /** Whether any SAN provider serves any address at all. */
  get empty(): boolean {
    return this.#rows.length === 0;
  }

  #poll(active: boolean): void {
    if (!active) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      return;
    }
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      if (interfacesFingerprint() !== this.#fingerprint) this.refresh();
    }, ADDRESS_POLL_MS);
    this.#timer.unref();
  }
}

/** The process's address table, following the process's registry. */
export const addressTable = new AddressTable(registry);

/** Re-queries every SAN provider's addresses now, instead of at the next poll (INIT-6). */
export function refreshAddresses(): void {
  addressTable.refresh();
}
