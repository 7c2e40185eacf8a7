// One established fabric connection: the session conduit over this side's image, with the
// mirror (assembly/fabric/mirror.ts) as its doorbell: every publication is copied into the
// peer's image by RDMA WRITE and followed by a wake-up SEND, the rest of each read-based send
// of the peer is pulled from its image by RDMA READ (SES-9a), and every pump step reads the
// domain's queues (libfabric's tcp provider moves data only then). The endpoint's shutdown
// is the peer's hang-up. Closing lingers until the last writes (a FIN, an RST) completed and
// the peer pulled what it was announced, then closes the endpoint and frees the image.
import type { EndpointInfo } from '../../types/conduit.js';
import { SessionConduit } from '../../session/conduit.js';
import type { Doorbell } from '../../session/doorbell.js';
import type { FabricEvent } from '../../native/addon.js';
import { OP_RDMA_READ } from '../../wasm/layout.generated.js';
import { errnoOf, systemError } from '../../errors.js';
import type { FabricDomain } from './domain.js';
import type { FabricImage } from './image.js';
import type { SubmissionQueue, FabricCompletion } from './queues.js';
import type { ImageOffer } from './wire.js';

const EAGAIN_STATUS = errnoOf('EAGAIN');
/** Work requests an endpoint's submission ring holds (several flushes). */
const SUBMISSION_SLOTS = 256;
/** How often a closed connection waiting for its peer checks that the peer is there, in ms. */
const PROBE_MS = 250;
/** Wake-up receives kept posted: more SENDs than this wait in the provider, never fail. */
const WAKE_RECEIVES = 16;
/**
 * Longest a closed connection waits, in milliseconds, for its last writes to complete and
 * for the peer to read them, before it closes the endpoint anyway.
 */
export const LINGER_MS = 10_000;

/** A read-based send's rest being pulled from the peer's image (Doorbell.fetch). */
interface Pull {
  address: number;
  length: number;
  done: (landed: boolean) => void;
  posted: boolean;
}

/** What a FabricConduit is built from; it takes ownership of the endpoint and the image. */
export interface FabricConduitOptions {
  domain: FabricDomain;
  endpoint: number;
  image: FabricImage;
  /** The peer's image (its CONNECT or ACCEPT). */
  peer: ImageOffer;
  role: 'connector' | 'acceptor';
  local: EndpointInfo;
  remote: EndpointInfo;
}

/**
 * The session's doorbell over libfabric: owns the endpoint's submission ring, the mirror's
 * private block and the wake-up receives, and routes the endpoint's completions and events.
 */
class MirrorLink implements Doorbell {
  readonly #options: FabricConduitOptions;
  readonly #sq: SubmissionQueue;
  readonly #tag: number;
  readonly #receiveTag: number;
  readonly #readTag: number;
  #mirror = 0;
  #mirrorBytes = 0;
  /** The session's private block (valid until #releaseSession runs). */
  #ses = 0;
  /** The mirror block's own registration (local access only), or -1. */
  #stageRegion = -1;
  #failing = false;
  #refed = true;
  #abortive = false;
  #closing = false;
  #released = false;
  #retry = false;
  #linger: NodeJS.Timeout | undefined;
  /** While lingering: a wake-up SEND now and then, which fails once the peer is gone. */
  #probe: NodeJS.Timeout | undefined;
  /** Frees the session's memory (SessionConduit's release), once the last flush is out. */
  #releaseSession: (() => void) | undefined;
  /** The pull asked for and not yet landed (one at a time: the stream waits behind it). */
  #pull: Pull | undefined;
  /** Withdraws this link from the exit's wait (FabricDomain.lingerAtExit). */
  #unlinger: (() => void) | undefined;
  conduit: FabricConduit | undefined;

  constructor(options: FabricConduitOptions) {
    const { domain, endpoint, peer } = options;
    this.#options = options;
    const status = domain.addon.fabricRemote(endpoint, 0, peer.key, peer.address, peer.bytes);
    if (status < 0) throw systemError('EPROTO', { syscall: 'connect' });
    this.#sq = domain.submissionQueue(endpoint, SUBMISSION_SLOTS);
    const client = {
      onEvent: (event: FabricEvent) => this.#onEvent(event),
      onCompletion: (completion: FabricCompletion) => this.#onCompletion(completion),
    };
    this.#tag = domain.tag(client);
    this.#receiveTag = domain.tag(client);
    this.#readTag = domain.tag(client);
    domain.attach(endpoint, client);
  }

  /** Whether the connection keeps the event loop alive. */
  setRef(refed: boolean): void {
    this.#refed = refed;
    if (!this.#released) this.#options.domain.setRef(this.#options.endpoint, refed);
    if (refed) this.#linger?.ref();
    else this.#linger?.unref();
  }

  attach(ses: number): void {
    this.#ses = ses;
    const { domain, image } = this.#options;
    const { pc } = domain;
    const { core } = pc;
    this.#mirrorBytes = core.mirrorStateBytes(image.geometry.entries);
    this.#mirror = pc.allocRegion(this.#mirrorBytes);
    const view = pc.view();
    this.#stageRegion = domain.addon.fabricRegister(
      domain.id,
      view,
      this.#mirror,
      this.#mirrorBytes,
      0,
    );
    if (this.#stageRegion < 0) throw systemError('ENOBUFS', { syscall: 'fi_mr_reg' });
    const status = core.mirrorInit(
      this.#mirror,
      ses,
      this.#sq.local,
      image.region,
      this.#stageRegion,
      this.#tag,
      this.#receiveTag,
      image.notify,
    );
    if (status < 0) throw systemError('EINVAL', { syscall: 'mirrorInit' });
    for (let i = 0; i < WAKE_RECEIVES; i++) core.mirrorReceive(this.#mirror);
    this.#submit();
  }

  ring(): void {
    this.sync();
  }

  /**
   * Copies what changed into the peer's image; retried after completions when full, also
   * after the conduit closed (its last flush carries the FIN or the RST).
   */
  sync(): void {
    if (this.#released || this.#mirror === 0) return;
    const status = this.#options.domain.pc.core.mirrorFlush(this.#mirror);
    this.#retry = status === EAGAIN_STATUS;
    // Nothing changed, nothing held back: no call into the shim (this runs per publication).
    if (status > 0 || this.#sq.pending > 0) this.#submit();
  }

  poll(): void {
    this.#options.domain.drain();
  }

  fetch(address: number, length: number, done: (landed: boolean) => void): void {
    this.#pull = { address, length, done, posted: false };
    this.#postPull();
  }

  // Reads the pull's bytes from the same offsets of the peer's image into this side's; a
  // full submission ring tries again after the next completion.
  #postPull(): void {
    const pull = this.#pull;
    if (!pull || pull.posted || this.#released) return;
    const { image } = this.#options;
    const offset = pull.address - image.address;
    const status = this.#sq.push(
      OP_RDMA_READ,
      pull.length,
      this.#readTag,
      pull.address,
      image.region,
      offset,
    );
    if (status === -EAGAIN_STATUS) return;
    if (status < 0) return this.#endPull(false);
    pull.posted = true;
    this.#submit();
  }

  #endPull(landed: boolean): void {
    const pull = this.#pull;
    this.#pull = undefined;
    pull?.done(landed);
  }

  #submit(): void {
    const posted = this.#sq.submit();
    if (posted < 0) this.#fail();
  }

  #onEvent(event: FabricEvent): void {
    if (this.#closing) return;
    if (event.type === 'shutdown' || event.type === 'error') this.#lost();
  }

  #onCompletion(completion: FabricCompletion): void {
    const { core } = this.#options.domain.pc;
    if (completion.userData === this.#readTag) {
      if (!this.#released) this.#endPull(completion.result >= 0);
      return;
    }
    if (completion.userData === this.#receiveTag) {
      if (completion.result < 0 || this.#released) return;
      // Reposted while closing too: a peer SEND with no receive posted stays unread in the
      // kernel, and closing over unread data sends RST, which discards what this side had
      // sent and the peer's kernel had not yet handed over.
      core.mirrorReceive(this.#mirror);
      this.#submit();
      if (this.#closing) {
        if (this.#idle()) this.#release();
      } else {
        this.conduit?.wake();
      }
      return;
    }
    core.mirrorCompleted(this.#mirror, 1);
    if (completion.result < 0) return this.#lost();
    // Posts what a full provider queue held back, then a flush or a pull that found no room.
    if (this.#sq.pending > 0) this.#submit();
    if (this.#retry) this.sync();
    this.#postPull();
    if (this.#closing && this.#idle()) this.#release();
  }

  // The endpoint is down (the peer closed it, died, or broke the connection: a failed write
  // or send, a shutdown event): as after shm's hang-up, what arrived is delivered, then the
  // stream ends, or resets when the peer had not read everything.
  #lost(): void {
    if (this.#closing) return this.#release();
    this.#endPull(false);
    this.conduit?.peerGone();
  }

  // The shim refused to post (a broken submission ring): the connection cannot go on. The
  // reset that follows flushes once more: a second failure there must not abort again.
  #fail(): void {
    if (this.#closing) return this.#release();
    if (this.#failing) return;
    this.#failing = true;
    this.conduit?.abort(systemError('ECONNRESET', { syscall: 'read' }));
  }

  // Everything posted completed and, after a graceful close, the peer has read all this side
  // published (its FIN, or what precedes it) and pulled every read-based send (its DONEs):
  // only then is closing the endpoint sure not to lose any of it. A write that completed is
  // only in this host's kernel: closing the endpoint over unread data sends RST, and the
  // peer's kernel drops what it still held.
  #idle(): boolean {
    const { core } = this.#options.domain.pc;
    // The DONEs that arrived are consumed here (the pump has stopped); their slots are
    // released, and the new head goes to the peer, which may wait for that room.
    const awaited = this.#abortive || this.#ses === 0 ? 0 : core.sesReadsAwaited(this.#ses);
    if (awaited !== 0) this.sync();
    if (this.#retry || this.#sq.pending > 0 || core.mirrorOutstanding(this.#mirror) !== 0) {
      return false;
    }
    if (this.#abortive || this.#ses === 0) return true;
    return awaited <= 0 && core.sesPeerConsumedAll(this.#ses) === 1;
  }

  /**
   * The conduit closed: linger until the last writes completed and, unless `abortive`, the
   * peer read them (at most LINGER_MS), then release. The wait keeps the event loop alive
   * (unless the socket was unref'd): a process that exited first would lose what its peer
   * had not read yet, which a kernel's TCP would still deliver.
   */
  close(release: () => void, abortive: boolean): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#abortive = abortive;
    this.#releaseSession = release;
    if (this.#mirror === 0 || this.#idle()) return this.#release();
    this.#linger = setTimeout(() => this.#release(), LINGER_MS);
    this.#probe = setInterval(() => {
      if (this.#options.domain.pc.core.mirrorProbe(this.#mirror) === 0) this.#submit();
    }, PROBE_MS);
    this.#probe.unref();
    this.#unlinger = this.#options.domain.lingerAtExit(() => {
      if (!this.#released && this.#idle()) this.#release();
      return this.#released;
    });
    if (!this.#refed) this.#linger.unref();
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    if (this.#linger) clearTimeout(this.#linger);
    if (this.#probe) clearInterval(this.#probe);
    this.#releaseSession?.();
    this.#unlinger?.();
    const { domain, endpoint, image } = this.#options;
    domain.forget(endpoint);
    domain.releaseTag(this.#tag);
    domain.releaseTag(this.#receiveTag);
    domain.releaseTag(this.#readTag);
    // The endpoint first: once it is closed, nothing more lands in the image.
    domain.addon.fabricClose(endpoint);
    this.#sq.close();
    image.release();
    if (this.#stageRegion > 0) domain.addon.fabricClose(this.#stageRegion);
    if (this.#mirror !== 0) domain.pc.freeRegion(this.#mirror, this.#mirrorBytes);
  }
}

/**
 * A SessionConduit over a fabric connection; emits `negotiated` once the session
 * negotiation finished (the connector completes its connect then, CON-6). Main thread only.
 */
export class FabricConduit extends SessionConduit {
  readonly #link: MirrorLink;

  constructor(options: FabricConduitOptions, link: MirrorLink) {
    super({
      core: options.domain.pc,
      segment: options.image.address,
      geometry: options.image.geometry,
      role: options.role,
      doorbell: link,
      rdmaRead: true,
      // A libfabric connection can break with both processes alive: only the FIN ends it.
      hangUpEnds: false,
      local: options.local,
      remote: options.remote,
    });
    this.#link = link;
    link.conduit = this;
  }

  override ref(): void {
    super.ref();
    this.#link.setRef(true);
  }

  override unref(): void {
    super.unref();
    this.#link.setRef(false);
  }
}

/**
 * Builds the conduit of one fabric connection, which then owns the endpoint and the image.
 * Throws (EPROTO for an image whose header is not as expected) after releasing both.
 */
export function openFabricConduit(options: FabricConduitOptions): FabricConduit {
  let link: MirrorLink | undefined;
  try {
    link = new MirrorLink(options);
    return new FabricConduit(options, link);
  } catch (err) {
    if (link) link.close(() => {}, true);
    else {
      options.domain.addon.fabricClose(options.endpoint);
      options.image.release();
    }
    throw err;
  }
}
