// The connecting side's set-up over libfabric (CON-1, CON-2, CON-6): this side's image is
// made first, its key goes in the CONNECT; on the connected event the ACCEPT is checked and
// the conduit built, and the connect completes once the session negotiation is done. A
// tagged REJECT is the listener's answer (refused or backlog: ECONNREFUSED; declined: TCP);
// a reject without our tag, or any other failure, means no SAN listener there (TCP). There
// is no CM timeout: the switch's own timer abandons a connect that hangs (BLK-1).
import type { EndpointInfo } from '../../types/conduit.js';
import type { FabricEvent } from '../../native/addon.js';
import { noSanListener, sanDeclined, systemError } from '../../errors.js';
import type { SessionGeometry } from '../../session/geometry.js';
import type { FabricDomain } from './domain.js';
import { FabricImage } from './image.js';
import { openFabricConduit, type FabricConduit } from './conduit.js';
import { decodeAccept, decodeReject, encodeConnect } from './wire.js';

/** The outcome of a connect: the conduit, or the error the switch acts on (CON-4). */
export type ConnectDone = (err: Error | null, conduit?: FabricConduit) => void;

function sameGeometry(a: SessionGeometry, b: SessionGeometry): boolean {
  return (
    a.capacity === b.capacity &&
    a.slotBytes === b.slotBytes &&
    a.entries === b.entries &&
    a.halfBytes === b.halfBytes
  );
}

/** One connect attempt. Main thread only; `abort()` frees everything at once (BLK-2). */
export class FabricConnector {
  readonly #domain: FabricDomain;
  readonly #remote: EndpointInfo;
  readonly #done: ConnectDone;
  #image: FabricImage | undefined;
  #endpoint = -1;
  #conduit: FabricConduit | undefined;
  #settled = false;

  /**
   * Connects to the SAN listener at `remote.address`:`sanPort` (the application dialled
   * `remote.port`), asking for `geometry`. `done` runs exactly once, on a later tick,
   * unless aborted first.
   */
  constructor(
    domain: FabricDomain,
    remote: EndpointInfo,
    sanPort: number,
    geometry: SessionGeometry,
    done: ConnectDone,
  ) {
    this.#domain = domain;
    this.#remote = remote;
    this.#done = done;
    try {
      this.#image = new FabricImage(domain, geometry);
    } catch {
      queueMicrotask(() => this.#finish(sanDeclined(remote.address, remote.port, 'no-memory')));
      return;
    }
    const data = encodeConnect(this.#image.offer());
    const endpoint = domain.addon.fabricConnect(domain.id, remote.address, sanPort, data);
    if (endpoint < 0) {
      queueMicrotask(() => this.#finish(noSanListener(remote.address, remote.port)));
      return;
    }
    this.#endpoint = endpoint;
    domain.attach(endpoint, { onEvent: (event) => this.#onEvent(event) });
  }

  #onEvent(event: FabricEvent): void {
    if (this.#settled || this.#conduit) return;
    const { address, port } = this.#remote;
    if (event.type === 'connected') return this.#established(event);
    if (event.type !== 'error' && event.type !== 'shutdown') return;
    const reason = decodeReject(event.data);
    if (reason === 'refused' || reason === 'backlog') {
      return this.#finish(systemError('ECONNREFUSED', { syscall: 'connect', address, port }));
    }
    if (reason) return this.#finish(sanDeclined(address, port, reason));
    this.#finish(noSanListener(address, port));
  }

  #established(event: FabricEvent): void {
    const image = this.#image as FabricImage;
    const peer = decodeAccept(event.data);
    const { address, port } = this.#remote;
    if (!peer || !sameGeometry(peer.geometry, image.geometry)) {
      return this.#finish(systemError('EPROTO', { syscall: 'connect', address, port }));
    }
    const name = this.#domain.addon.fabricName(this.#endpoint);
    const local =
      typeof name === 'number'
        ? { address: '', port: 0, family: 'IPv4' }
        : { ...name, family: 'IPv4' };
    this.#domain.forget(this.#endpoint);
    let conduit: FabricConduit;
    try {
      // From here the conduit owns the endpoint and the image.
      conduit = openFabricConduit({
        domain: this.#domain,
        endpoint: this.#endpoint,
        image,
        peer,
        role: 'connector',
        local,
        remote: this.#remote,
      });
    } catch (err) {
      this.#endpoint = -1;
      this.#image = undefined;
      return this.#finish(err as Error);
    }
    this.#conduit = conduit;
    conduit.once('negotiated', () => {
      conduit.off('error', failed);
      this.#settled = true;
      this.#done(null, conduit);
    });
    const failed = (err: Error): void => this.#finish(err);
    conduit.once('error', failed);
  }

  // Fails the attempt: whatever it holds is released.
  #finish(err: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#release();
    this.#done(err);
  }

  #release(): void {
    if (this.#conduit) {
      this.#conduit.resetAndDestroy();
    } else {
      if (this.#endpoint > 0) {
        this.#domain.forget(this.#endpoint);
        this.#domain.addon.fabricClose(this.#endpoint);
      }
      this.#image?.release();
    }
    this.#conduit = undefined;
    this.#image = undefined;
    this.#endpoint = -1;
  }

  ref(): void {
    if (this.#endpoint > 0 && !this.#conduit) this.#domain.setRef(this.#endpoint, true);
    this.#conduit?.ref();
  }

  unref(): void {
    if (this.#endpoint > 0 && !this.#conduit) this.#domain.setRef(this.#endpoint, false);
    this.#conduit?.unref();
  }

  /** Abandons the attempt (BLK-2): nothing is reported. */
  abort(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#release();
  }
}
