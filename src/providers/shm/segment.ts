// A connection's segment and doorbells in this process: the acceptor creates them (a sealed
// memfd and two eventfds), the connector checks what it received before mapping anything,
// and both map the segment into a region of the process's core memory. `release()` undoes
// all of it.
import { processCore } from '../../wasm/process-core.js';
import { formatSegment, segmentBytes } from '../../session/geometry.js';
import type { SessionGeometry } from '../../session/geometry.js';
import { systemError } from '../../errors.js';
import { addon, check, closeQuietly } from './native.js';

/** A mapped segment and this side's two doorbells. Main thread only. */
export interface MappedSegment {
  geometry: SessionGeometry;
  /** Absolute address of the window in the core memory. */
  address: number;
  /** Bytes mapped (the segment rounded up to whole pages). */
  bytes: number;
  /** The eventfd this side watches (the peer rings it). */
  ownBell: number;
  /** The eventfd this side rings. */
  peerBell: number;
  /** Detaches the window, frees the region and closes both doorbells. Idempotent. */
  release(): void;
}

/** Bytes of a segment with `geometry`, rounded up to whole pages. */
export function mappedBytes(geometry: SessionGeometry): number {
  const page = addon().constants.PAGE_BYTES;
  const bytes = segmentBytes(processCore().core, geometry);
  return Math.ceil(bytes / page) * page;
}

/** Maps segment `fd` over a new region; returns the region's address. Throws on failure. */
function mapInto(fd: number, bytes: number): number {
  const core = processCore();
  const address = core.allocRegion(bytes);
  const status = addon().mapWindow(new Uint8Array(core.memory.buffer), address, bytes, fd, 0);
  if (status < 0) {
    core.freeRegion(address, bytes);
    check(status, 'mmap');
  }
  return address;
}

function mapped(
  geometry: SessionGeometry,
  address: number,
  bytes: number,
  ownBell: number,
  peerBell: number,
): MappedSegment {
  let open = true;
  return {
    geometry,
    address,
    bytes,
    ownBell,
    peerBell,
    release() {
      if (!open) return;
      open = false;
      const core = processCore();
      const status = addon().unmapWindow(new Uint8Array(core.memory.buffer), address, bytes);
      // A window that could not be detached still shows the peer's pages: never reuse it.
      if (status === 0) core.freeRegion(address, bytes);
      closeQuietly(ownBell);
      closeQuietly(peerBell);
    },
  };
}

/**
 * Acceptor: a new sealed segment of `geometry`, formatted, and two doorbells. Returns the
 * mapping and the fds to send, in ACCEPT order: segment, connector's bell, acceptor's bell.
 * The caller closes the segment fd once sent.
 */
export function createSegment(geometry: SessionGeometry): {
  segment: MappedSegment;
  segmentFd: number;
} {
  const native = addon();
  const bytes = mappedBytes(geometry);
  const fds: number[] = [];
  try {
    fds.push(check(native.segmentCreate(bytes), 'memfd_create'));
    fds.push(check(native.doorbellCreate(), 'eventfd'));
    fds.push(check(native.doorbellCreate(), 'eventfd'));
    const [segmentFd, connectorBell, acceptorBell] = fds as [number, number, number];
    const segment = mapped(geometry, mapInto(segmentFd, bytes), bytes, acceptorBell, connectorBell);
    fds.length = 1;
    try {
      formatSegment(processCore().core, segment.address, geometry);
    } catch (err) {
      segment.release();
      throw err;
    }
    return { segment, segmentFd };
  } catch (err) {
    for (const fd of fds) closeQuietly(fd);
    throw err;
  }
}

/**
 * Connector: checks the three fds of an ACCEPT (a sealed read-write memfd of exactly the
 * size `geometry`, the one it asked for, needs, and two eventfds) and maps the segment.
 * Takes ownership of `fds`: closes them all on failure, and the segment fd on success.
 * Throws EPROTO for anything unexpected.
 */
export function joinSegment(
  fds: number[],
  announcedBytes: number,
  geometry: SessionGeometry,
): MappedSegment {
  const native = addon();
  try {
    const bytes = mappedBytes(geometry);
    const [segmentFd, connectorBell, acceptorBell] = fds;
    if (
      fds.length !== 3 ||
      segmentFd === undefined ||
      connectorBell === undefined ||
      acceptorBell === undefined ||
      announcedBytes !== bytes
    ) {
      throw systemError('EPROTO', { syscall: 'connect' });
    }
    check(native.segmentCheck(segmentFd, bytes), 'connect');
    check(native.doorbellCheck(connectorBell), 'connect');
    check(native.doorbellCheck(acceptorBell), 'connect');
    const address = mapInto(segmentFd, bytes);
    closeQuietly(segmentFd);
    return mapped(geometry, address, bytes, connectorBell, acceptorBell);
  } catch (err) {
    for (const fd of fds) closeQuietly(fd);
    throw err;
  }
}
