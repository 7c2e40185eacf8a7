// One shm SAN socket as the switch drives it through the SPI: unbound, bound, listening,
// connecting or connected, and closed. Listening and connecting are delegated to
// ShmListener and ShmConnector; accept() answers a queued request here (ACC-3..6) and hands
// over the connections whose connector confirmed (ConfirmQueue, BLK-2).
import { isIP } from 'node:net';
import type { Conduit, EndpointInfo } from '../../types/conduit.js';
import type { SanConnectRequest, SanEvents, SanSocket, SanSocketOptions } from '../spi.js';
import { DEFAULT_GEOMETRY, withBulk, type SessionGeometry } from '../../session/geometry.js';
import { invalidArgValue, sanDeclined, systemError } from '../../errors.js';
import { addon, closeQuietly } from './native.js';
import type { PeerPolicy } from './credentials.js';
import { openShmConduit, ShmConduit } from './conduit.js';
import { ShmConnector } from './connector.js';
import { ConfirmQueue } from '../../session/confirming.js';
import { ShmListener, wouldBlock } from './listener.js';
import { createSegment, mappedBytes } from './segment.js';
import { PeerShares } from './peer-shares.js';
import { encodeAnswer, type DeclineReason } from './wire.js';
import { canonicalIp, isWildcard } from './rendezvous.js';
import { ephemeralPort } from './ports.js';

type State = 'open' | 'listening' | 'connecting' | 'connected' | 'closed';

function family(address: string): string {
  return isIP(address) === 6 ? 'IPv6' : 'IPv4';
}

/** The shm provider's SanSocket. Main thread only; nothing blocks. */
export class ShmSocket implements SanSocket {
  readonly #policy: PeerPolicy;
  #state: State = 'open';
  #bound: EndpointInfo | undefined;
  #events: SanEvents = {};
  #listener: ShmListener | undefined;
  #confirming: ConfirmQueue<ShmConduit> | undefined;
  /** Large-buffer memory per peer process, while listening (issue 13). */
  #shares: PeerShares | undefined;
  #connector: ShmConnector | undefined;
  #conduit: ShmConduit | undefined;
  #refed = true;
  #taken = false;
  /** The segment a connect asks for (setOptions' bufferBytes). */
  #geometry: SessionGeometry = DEFAULT_GEOMETRY;

  constructor(policy: PeerPolicy) {
    this.#policy = policy;
  }

  #expect(...states: State[]): void {
    if (this.#state === 'closed') throw systemError('ENOTSOCK', { syscall: 'socket' });
    if (!states.includes(this.#state)) throw systemError('EINVAL', { syscall: 'socket' });
  }

  bind(address: string, port: number): void {
    this.#expect('open');
    const ip = canonicalIp(address);
    if (isIP(ip) === 0) throw invalidArgValue('address', address, 'must be an IP address');
    this.#bound = { address: ip, port, family: family(ip) };
  }

  /** `bufferBytes`: each side's bulk half of the connection's segment (the switch validated it). */
  setOptions(options: SanSocketOptions): void {
    this.#expect('open');
    if (options.bufferBytes !== undefined) this.#geometry = withBulk(options.bufferBytes);
  }

  listen(backlog: number): void {
    this.#expect('open');
    if (!this.#bound) throw systemError('EINVAL', { syscall: 'listen' });
    const { address, port } = this.#bound;
    const signal = (): void => this.#events.accept?.();
    this.#listener = new ShmListener(address, port, backlog, this.#policy, signal);
    this.#confirming = new ConfirmQueue(signal);
    this.#shares = new PeerShares(mappedBytes, mappedBytes(DEFAULT_GEOMETRY));
    if (!this.#refed) {
      this.#listener.unref();
      this.#confirming.unref();
    }
    this.#state = 'listening';
  }

  eventSelect(events: SanEvents): void {
    this.#expect('open', 'listening', 'connecting');
    this.#events = events;
  }

  /**
   * Hands over the oldest confirmed connection; else answers every queued request (the
   * condition first, ACC-4) and throws EAGAIN: the answered ones arrive through the accept
   * event once their connector confirms. A request this side lacks the resources for is
   * declined (the connector goes on over TCP) and throws ERR_SANSWITCH_SAN_DECLINED.
   */
  accept(condition: (request: SanConnectRequest) => boolean): SanSocket {
    this.#expect('listening');
    const confirmed = this.#confirming?.take();
    if (confirmed) return new ShmSocket(this.#policy).adopt(confirmed);
    for (;;) {
      const queued = this.#listener?.take();
      if (!queued) throw wouldBlock();
      const { channel, request, geometry, peerPid } = queued;
      if (!condition(request)) {
        addon().channelSend(channel, encodeAnswer({ verdict: 'reject' }));
        closeQuietly(channel);
        throw systemError('ECONNREFUSED', { syscall: 'accept', ...request.remote });
      }
      const giveBack = this.#shares?.take(peerPid, geometry);
      if (!giveBack) throw declined(request, decline(channel, 'peer-limit'));
      const answered = answerAccept(channel, request, geometry);
      if (answered instanceof ShmConduit) {
        answered.once('close', giveBack);
        this.#confirming?.add(answered);
        continue;
      }
      giveBack();
      if (answered) throw declined(request, answered);
    }
  }

  connect(address: string, port: number): void {
    this.#expect('open');
    const ip = canonicalIp(address);
    const remote = { address: ip, port, family: family(ip) };
    const local =
      this.#bound && !isWildcard(this.#bound.address)
        ? { ...this.#bound, port: this.#bound.port || ephemeralPort() }
        : { address: ip, port: this.#bound?.port || ephemeralPort(), family: family(ip) };
    this.#state = 'connecting';
    this.#connector = new ShmConnector(
      local,
      remote,
      this.#policy,
      this.#geometry,
      (err, conduit) => {
        this.#connector = undefined;
        if (conduit) {
          this.#conduit = conduit;
          this.#state = 'connected';
        }
        this.#events.connect?.(err);
      },
    );
    if (!this.#refed) this.#connector.unref();
  }

  /** Adopts an accepted connection (accept() builds it). */
  adopt(conduit: ShmConduit): this {
    this.#conduit = conduit;
    this.#state = 'connected';
    return this;
  }

  conduit(): Conduit {
    this.#expect('connected');
    this.#taken = true;
    return this.#conduit as ShmConduit;
  }

  ref(): void {
    this.#refed = true;
    this.#listener?.ref();
    this.#confirming?.ref();
    this.#connector?.ref();
  }

  unref(): void {
    this.#refed = false;
    this.#listener?.unref();
    this.#confirming?.unref();
    this.#connector?.unref();
  }

  /**
   * Immediate teardown (CLS-2): a listener stops and hangs up on queued requests, a connect
   * in progress is abandoned (BLK-2), and a connection whose conduit was never taken is reset.
   */
  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#listener?.close();
    this.#confirming?.close();
    this.#connector?.abort();
    this.#listener = undefined;
    this.#confirming = undefined;
    this.#connector = undefined;
    if (!this.#taken) this.#conduit?.resetAndDestroy();
  }
}

/** The error accept() reports for a declined request (the switch notes it, CON-5). */
function declined(request: SanConnectRequest, reason: DeclineReason): Error {
  return sanDeclined(request.remote.address, request.remote.port, reason);
}

/** Answers a request with DECLINE (the connector goes on over TCP) and hangs up. */
function decline(channel: number, reason: DeclineReason): DeclineReason {
  addon().channelSend(channel, encodeAnswer({ verdict: 'decline', reason }));
  closeQuietly(channel);
  return reason;
}

/**
 * Answers a request with ACCEPT: creates the segment and doorbells, builds the acceptor's
 * conduit (it posts its receives and writes its NEGOTIATE into the segment, SES-3), then
 * sends them: the connector finds the acceptor's negotiation there when it maps the segment,
 * so its connect completes in one round trip. Returns the conduit, not yet confirmed; the
 * reason it declined when the segment could not be made (memory, descriptors); or undefined
 * when the connector has gone or set-up failed later (it then sees a hang-up).
 */
function answerAccept(
  channel: number,
  request: SanConnectRequest,
  geometry: SessionGeometry,
): ShmConduit | DeclineReason | undefined {
  let created: ReturnType<typeof createSegment>;
  try {
    created = createSegment(geometry);
  } catch (err) {
    const code = (err as { code?: string }).code;
    return decline(
      channel,
      code === 'EMFILE' || code === 'ENFILE' ? 'no-descriptors' : 'no-memory',
    );
  }
  const { segment, segmentFd } = created;
  let conduit: ShmConduit;
  try {
    // From here the conduit owns the channel and the segment, and releases them on failure.
    conduit = openShmConduit({
      channel,
      segment,
      role: 'acceptor',
      local: request.local,
      remote: request.remote,
    });
  } catch {
    closeQuietly(segmentFd);
    return undefined;
  }
  const answer = encodeAnswer({ verdict: 'accept', segmentBytes: segment.bytes });
  const sent = addon().channelSend(channel, answer, [segmentFd, segment.peerBell, segment.ownBell]);
  closeQuietly(segmentFd);
  if (sent < 0) {
    conduit.resetAndDestroy();
    return undefined;
  }
  return conduit;
}
