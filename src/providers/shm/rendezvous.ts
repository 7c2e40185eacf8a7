// The rendezvous directory: where a listener's channel endpoint lives, keyed by address and
// port, in a per-user directory that only this user can enter (the security model's first
// gate; the acceptor's credential check is the second). Endpoints of dead processes are
// recognised (their socket file refuses connections) and removed.
import { lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { unsafeDirectory } from '../../errors.js';

/** The directory's name under `$XDG_RUNTIME_DIR`; under /tmp it gets `-<uid>` appended. */
export const RENDEZVOUS_DIR_NAME = 'sanswitch';

const WILDCARDS = new Set(['0.0.0.0', '::']);

function euid(): number {
  return process.geteuid?.() ?? 0;
}

/**
 * Throws unless `path` is a real directory (not a symlink) of ours, closed to everyone else.
 * Returns false, without throwing, when nothing is there.
 */
function verifyPrivate(path: string): boolean {
  // No exception for the common "not there": building one costs more than the lstat.
  const stat = lstatSync(path, { throwIfNoEntry: false });
  if (!stat) return false;
  if (!stat.isDirectory()) {
    throw unsafeDirectory('ENOTDIR', path, 'is not a directory (or is a symlink)');
  }
  if (stat.uid !== euid()) {
    throw unsafeDirectory('EPERM', path, `belongs to uid ${stat.uid}, not to us`);
  }
  if ((stat.mode & 0o077) !== 0) throw unsafeDirectory('EPERM', path, 'is open to other users');
  return true;
}

/** Whether `$XDG_RUNTIME_DIR` can hold the directory: set, absolute, ours and private. */
function usableRuntimeDir(dir: string | undefined): dir is string {
  if (!dir || !dir.startsWith('/')) return false;
  try {
    return verifyPrivate(dir);
  } catch {
    return false;
  }
}

let cachedDir: string | undefined;

/**
 * The rendezvous directory (`$XDG_RUNTIME_DIR/sanswitch`, else `/tmp/sanswitch-<uid>`),
 * created with mode 0700 on first use and verified on every call: a real directory owned by
 * this user with no group or other access. Throws when it is not. Main thread only; one
 * lstat per call.
 */
export function rendezvousDir(): string {
  if (cachedDir === undefined) {
    const runtime = process.env.XDG_RUNTIME_DIR;
    cachedDir = usableRuntimeDir(runtime)
      ? join(runtime, RENDEZVOUS_DIR_NAME)
      : `/tmp/${RENDEZVOUS_DIR_NAME}-${euid()}`;
  }
  if (verifyPrivate(cachedDir)) return cachedDir;
  try {
    mkdirSync(cachedDir, { mode: 0o700 });
  } catch (err) {
    // Another process may have made it meanwhile; it is verified like any other.
    if ((err as { code?: string }).code !== 'EEXIST') throw err;
  }
  if (!verifyPrivate(cachedDir)) {
    throw unsafeDirectory('ENOENT', cachedDir, 'vanished as it was created');
  }
  return cachedDir;
}

/** An IPv4-mapped IPv6 address (`::ffff:127.0.0.1`) as plain IPv4; others unchanged. */
export function canonicalIp(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address.toLowerCase();
}

/** Whether `address` is the IPv4 or IPv6 wildcard. */
export function isWildcard(address: string): boolean {
  return WILDCARDS.has(address);
}

/**
 * The endpoint file name for a listener on `address`:`port`. Both wildcards share one key, so
 * that a connect to any local address finds a wildcard listener.
 */
export function endpointKey(address: string, port: number): string {
  if (isWildcard(address)) return `any-${port}`;
  const ip = canonicalIp(address);
  return `${isIP(ip)}-${ip.replace(/:/g, '_')}-${port}`;
}

/** The endpoint path for a listener on `address`:`port` in the rendezvous directory. */
export function endpointPath(address: string, port: number): string {
  return join(rendezvousDir(), endpointKey(address, port));
}

/**
 * Where a connect to `address`:`port` looks, in order: a listener bound to that address,
 * then a wildcard listener.
 */
export function connectCandidates(address: string, port: number): string[] {
  const dir = rendezvousDir();
  return [join(dir, endpointKey(address, port)), join(dir, endpointKey('0.0.0.0', port))];
}

/** The inode of the socket file at `path`, or undefined when there is none. */
export function endpointInode(path: string): number | undefined {
  try {
    const stat = lstatSync(path, { throwIfNoEntry: false });
    return stat?.isSocket() ? stat.ino : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Removes the endpoint at `path` if it is still the socket file with inode `ino` (the one
 * found refusing connections), so that a listener that just replaced it is left alone.
 * Returns whether it removed it. Never throws.
 */
export function removeEndpoint(path: string, ino: number | undefined): boolean {
  if (ino === undefined || endpointInode(path) !== ino) return false;
  try {
    unlinkSync(path);
    return true;
  } catch {
    return false;
  }
}
