// Listen orchestration (SEL-1, LIS-1, LIS-2, CB-5, CB-7, INS-4): TCP listens first, then a
// companion SAN socket per selected provider binds the same IP and port and listens. Wildcard
// listeners also get a companion on every SAN provider registered later.
import type { AddressInfo } from 'node:net';
import { debuglog } from 'node:util';
import type { ListenRequest } from '../types/requests.js';
import type {
  IpEndpoints,
  IpIncoming,
  IpListener,
  SanProvider,
  SanSocket,
} from '../providers/spi.js';
import { drainAccepts, type AcceptHooks, type DrainHooks } from './accept.js';
import { DeclineLedger } from './declines.js';
import { addressTable } from './address-table.js';
import { registry, type RegistryChange } from './registry.js';
import { publishRoute } from './diagnostics.js';

const debug = debuglog('sanswitch');

/** What a listener reports to its Server. */
export interface ListenHooks extends AcceptHooks {
  listening(): void;
  error(err: Error): void;
  /** Whether one more TCP connection may be accepted now (node:net's maxConnections). */
  admitsTcp(): boolean;
  /** A TCP connection beyond maxConnections was closed at once. */
  drop(endpoints: IpEndpoints): void;
}

const WILDCARDS = new Set(['0.0.0.0', '::']);
const openListeners = new Set<SwitchListener>();

registry.on('change', (change: RegistryChange) => {
  for (const listener of openListeners) {
    if (change.type === 'unregister') listener.removeProvider(change.id);
    else if (listener.wildcard) {
      const provider = registry.get(change.id);
      if (provider) listener.addProvider(provider);
    }
  }
});

/** One server's listening sockets: the TCP one and its SAN companions. Main thread only. */
export class SwitchListener {
  readonly #tcp: IpListener;
  readonly #hooks: ListenHooks;
  readonly #request: ListenRequest;
  readonly #companions = new Map<string, SanSocket>();
  readonly #declines = new DeclineLedger();
  readonly #drainHooks: DrainHooks;
  #bound: AddressInfo | undefined;
  #refed = true;

  constructor(request: ListenRequest, hooks: ListenHooks) {
    this.#request = request;
    this.#hooks = hooks;
    this.#drainHooks = {
      condition: (info) => hooks.condition(info),
      connection: (conduit, transport, reason) => hooks.connection(conduit, transport, reason),
      declined: (info) => this.#declines.record(info.remoteAddress),
    };
    this.#tcp = registry.ip.createListener((incoming) => this.#onTcpConnection(incoming));
    this.#tcp.on('error', hooks.error);
    this.#tcp.once('listening', () => this.#onTcpListening());
  }

  /** Starts listening on TCP first (LIS-1); companions follow once its port is known. */
  start(): void {
    const { port, host, backlog } = this.#request;
    this.#tcp.listen({ port, host, backlog });
  }

  // A TCP client: accepted as a conduit, as SAN connections are, or dropped past the limit;
  // `san-declined` when it is the retry of a request a SAN provider here declined.
  #onTcpConnection(incoming: IpIncoming): void {
    if (!this.#hooks.admitsTcp()) {
      incoming.drop();
      this.#hooks.drop(incoming.endpoints);
      return;
    }
    const declined = this.#declines.take(incoming.endpoints.remoteAddress);
    const reason = declined ? 'san-declined' : 'tcp-client';
    this.#hooks.connection(incoming.accept(), registry.ip.id, reason);
  }

  /** True when bound to the wildcard: every SAN provider also listens (SEL-1, INS-4). */
  get wildcard(): boolean {
    return this.#bound !== undefined && WILDCARDS.has(this.#bound.address);
  }

  /** The TCP socket's address (the companions share it, CB-5). */
  address(): AddressInfo | null {
    // node:net binds an IP at once, so address() answers right after listen(), before the
    // `listening` event (only a host name waits for its lookup).
    if (this.#bound) return this.#bound;
    const now = this.#tcp.address();
    return now !== null && typeof now === 'object' ? now : null;
  }

  /** The providers listening, TCP first. */
  transports(): string[] {
    return [registry.ip.id, ...this.#companions.keys()];
  }

  #onTcpListening(): void {
    this.#bound = this.#tcp.address() as AddressInfo;
    openListeners.add(this);
    // Bound to one IP: every provider serving it (shm for this host's clients, fabric for
    // other hosts' on the same NIC).
    const selected = this.wildcard
      ? registry.available()
      : addressTable.lookupAll(this.#bound.address);
    for (const provider of selected) this.addProvider(provider);
    const { address, port } = this.#bound;
    publishRoute({
      op: 'listen',
      address,
      port,
      transport: this.transports().join(','),
      fallbackReason: null,
      provider: null,
    });
    this.#hooks.listening();
  }

  /** Creates, binds and listens a companion on `provider` (LIS-2); failures are skipped (CB-7). */
  addProvider(provider: SanProvider): void {
    if (!this.#bound || this.#companions.has(provider.id)) return;
    let san: SanSocket | undefined;
    try {
      san = provider.socket();
      san.bind(this.#bound.address, this.#bound.port);
      const listener = san;
      san.eventSelect({ accept: () => drainAccepts(listener, provider, this.#drainHooks) });
      san.listen(this.#request.backlog);
      if (!this.#refed) san.unref();
      this.#companions.set(provider.id, san);
    } catch (err) {
      debug('companion on %s failed, TCP only: %s', provider.id, (err as Error).message);
      closeQuietly(san);
    }
  }

  /** Closes the companion on a provider that went away. */
  removeProvider(id: string): void {
    closeQuietly(this.#companions.get(id));
    this.#companions.delete(id);
  }

  /** Stops listening everywhere; `done` runs once the TCP server has closed. */
  close(done: () => void): void {
    openListeners.delete(this);
    for (const id of [...this.#companions.keys()]) this.removeProvider(id);
    this.#tcp.close(() => done());
  }

  ref(): void {
    this.#refed = true;
    this.#tcp.ref();
    for (const san of this.#companions.values()) san.ref();
  }

  unref(): void {
    this.#refed = false;
    this.#tcp.unref();
    for (const san of this.#companions.values()) san.unref();
  }
}

function closeQuietly(san: SanSocket | undefined): void {
  try {
    san?.close();
  } catch (err) {
    debug('close failed: %s', (err as Error).message);
  }
}
