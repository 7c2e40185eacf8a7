// A hand-made shm acceptor in this process, for the connect tests (CON-6): it listens at the
// endpoint of 127.0.0.1:port with the native channel calls the listener uses, answers the
// first request with ACCEPT and a real segment (the provider's own createSegment), and then
// holds back its side of the session, and so its NEGOTIATE, until the test calls negotiate().
import type { Watcher } from '../../src/native/addon.js';
import { errnoOf } from '../../src/errors.js';
import { addon, check, closeQuietly } from '../../src/providers/shm/native.js';
import { createSegment, type MappedSegment } from '../../src/providers/shm/segment.js';
import { openShmConduit, type ShmConduit } from '../../src/providers/shm/conduit.js';
import {
  decodeRequest,
  encodeAnswer,
  SETUP_MAX_BYTES,
  type SetupRequest,
} from '../../src/providers/shm/wire.js';
import {
  endpointInode,
  endpointPath,
  removeEndpoint,
  rendezvousDir,
} from '../../src/providers/shm/rendezvous.js';
import { withBulk } from '../../src/session/geometry.js';

const EAGAIN_STATUS = errnoOf('EAGAIN');
const EADDRINUSE_STATUS = errnoOf('EADDRINUSE');
const ECONNREFUSED_STATUS = errnoOf('ECONNREFUSED');

/** An acceptor that has answered ACCEPT (or will) but negotiates only when told. */
export interface HeldAcceptor {
  /** Resolves once ACCEPT went out: the connector holds a segment with no NEGOTIATE in it. */
  readonly answered: Promise<void>;
  /** Builds the acceptor's session: its NEGOTIATE goes into the segment, the connector is rung. */
  negotiate(): ShmConduit;
  /** Stops listening and releases the connection, whatever state it reached. Idempotent. */
  close(): void;
}

/**
 * Listens at the shm endpoint of 127.0.0.1:`port` (a port whose TCP side the caller holds)
 * and answers one request, holding its NEGOTIATE back.
 */
export function holdAcceptor(port: number): HeldAcceptor {
  const native = addon();
  rendezvousDir();
  const path = endpointPath('127.0.0.1', port);
  let listenFd = native.channelListen(path, 1);
  if (listenFd === EADDRINUSE_STATUS) {
    // A stale endpoint of a process that died listening (ours holds the TCP port): replace it.
    const probe = native.channelConnect(path);
    if (probe >= 0) closeQuietly(probe);
    if (probe === ECONNREFUSED_STATUS) removeEndpoint(path, endpointInode(path));
    listenFd = native.channelListen(path, 1);
  }
  check(listenFd, 'listen');
  const ino = endpointInode(path);
  const watchers: Watcher[] = [];
  let channel = -1;
  let request: SetupRequest | undefined;
  let segment: MappedSegment | undefined;
  let conduit: ShmConduit | undefined;
  let closed = false;
  let onAnswered: () => void = () => {};
  const answered = new Promise<void>((resolve) => (onAnswered = resolve));

  const watch = (fd: number, callback: () => void): Watcher => {
    const watcher = native.channelWatch(fd, callback);
    if (typeof watcher === 'number') throw new Error(`channelWatch: ${watcher}`);
    watchers.push(watcher);
    return watcher;
  };

  // The request, then ACCEPT with the segment and both doorbells, as answerAccept sends them.
  const answer = (requestWatcher: Watcher): void => {
    const message = native.channelRecv(channel, SETUP_MAX_BYTES, 0);
    if (message === EAGAIN_STATUS) return;
    requestWatcher.close();
    request = typeof message === 'object' ? (decodeRequest(message.bytes) ?? undefined) : undefined;
    if (!request) throw new Error('held acceptor: no valid request');
    const created = createSegment(withBulk(request.halfBytes));
    segment = created.segment;
    const accept = encodeAnswer({ verdict: 'accept', segmentBytes: segment.bytes });
    const fds = [created.segmentFd, segment.peerBell, segment.ownBell];
    const sent = native.channelSend(channel, accept, fds);
    closeQuietly(created.segmentFd);
    if (sent < 0) throw new Error(`channelSend: ${sent}`);
    onAnswered();
  };

  const listenWatcher = watch(listenFd, () => {
    const accepted = native.channelAccept(listenFd);
    if (typeof accepted === 'number' || channel >= 0) return;
    listenWatcher.close();
    channel = accepted.fd;
    const requestWatcher = watch(channel, () => answer(requestWatcher));
  });

  return {
    answered,
    negotiate(): ShmConduit {
      if (!request || !segment || conduit) throw new Error('held acceptor: nothing to negotiate');
      const family = 'IPv4';
      conduit = openShmConduit({
        channel,
        segment,
        role: 'acceptor',
        local: { address: request.remoteAddress, port: request.remotePort, family },
        remote: { address: request.localAddress, port: request.localPort, family },
      });
      conduit.on('error', () => {});
      return conduit;
    },
    close(): void {
      if (closed) return;
      closed = true;
      for (const watcher of watchers.splice(0)) watcher.close();
      closeQuietly(listenFd);
      removeEndpoint(path, ino);
      if (conduit) conduit.resetAndDestroy();
      else {
        segment?.release();
        if (channel >= 0) closeQuietly(channel);
      }
    },
  };
}
