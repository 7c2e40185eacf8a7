// Removes the endpoints that listeners killed without a chance to clean up left behind, once
// per process when the shm provider starts. A socket file that no socket of this network
// namespace is bound to (per /proc/net/unix) is probed: it is removed only if it refuses the
// connect, so a listener in another namespace sharing the directory is left alone.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errnoOf } from '../../errors.js';
import { addon, closeQuietly } from './native.js';
import { endpointInode, removeEndpoint } from './rendezvous.js';

const ECONNREFUSED_STATUS = errnoOf('ECONNREFUSED');

// "Num RefCount Protocol Flags Type St Inode Path": the path is whatever follows the inode.
const UNIX_LINE = /^\S+:\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s(.+)$/;

const swept = new Set<string>();

/** The paths that sockets of this network namespace are bound to; empty when unreadable. */
function boundPaths(): Set<string> {
  const bound = new Set<string>();
  let table: string;
  try {
    table = readFileSync('/proc/net/unix', 'latin1');
  } catch {
    return bound;
  }
  for (const line of table.split('\n')) {
    const path = UNIX_LINE.exec(line)?.[1];
    if (path?.startsWith('/')) bound.add(path);
  }
  return bound;
}

/**
 * Removes the stale endpoints in `dir` once per process; returns how many it removed. Never
 * throws: an unreadable directory or a failing probe only leaves files where they are.
 * Main thread only.
 */
export function sweepStaleEndpoints(dir: string): number {
  if (swept.has(dir)) return 0;
  swept.add(dir);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  const bound = boundPaths();
  let removed = 0;
  for (const name of names) {
    const path = join(dir, name);
    if (bound.has(path)) continue;
    const ino = endpointInode(path);
    if (ino === undefined) continue;
    const probe = addon().channelConnect(path);
    if (probe >= 0) closeQuietly(probe);
    else if (probe === ECONNREFUSED_STATUS && removeEndpoint(path, ino)) removed += 1;
  }
  return removed;
}
