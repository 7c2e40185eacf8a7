// Loads the N-API shim built by scripts/build-native.mjs and describes its functions. When it
// is missing (the build failed, or this platform cannot build it) the reason is kept, so that
// the providers that need it report themselves unavailable and say why.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const ADDON_URL = new URL('../../native/build/Release/sanswitch.node', import.meta.url);
const STATUS_URL = new URL('../../build/native-status.json', import.meta.url);

/**
 * A status returned by the shim: `0` or a count on success, or a negative errno number
 * (`-11` EAGAIN, `-71` EPROTO, …) where the operating system refused or a peer-supplied
 * object failed its check. Statuses become errors only in src/errors.ts.
 */
export type Status = number;

/**
 * A libuv poll handle on the loop of the thread that created it. While open it keeps itself
 * and its callback alive; it is closed automatically when that thread's environment is torn
 * down. Close it before closing its fd.
 */
export interface Watcher {
  /** Stops polling; the callback is never called again. Idempotent. */
  close(): void;
  /** Makes the watcher keep the event loop alive (the default). Returns the watcher. */
  ref(): this;
  /** Lets the process exit while the watcher is open. Returns the watcher. */
  unref(): this;
  /** True while open and ref'd. */
  hasRef(): boolean;
}

/**
 * Called on the loop thread with the `POLL_*` bits that fired, or with a negative errno
 * number when the fd failed (polling has then stopped; close the watcher). `this` is the
 * watcher. An exception thrown here is reported like any uncaught exception.
 */
export type WatchCallback = (this: Watcher, events: number) => void;

/** Credentials of the process at the other end of a channel, as of its connect. */
export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
}

/** A connection taken from a listening channel, with its peer's credentials. */
export interface AcceptedChannel extends PeerCredentials {
  fd: number;
}

/** One message received on a channel. */
export interface ChannelMessage {
  /** The payload: a fresh Buffer of at most `maxBytes`. */
  bytes: Uint8Array;
  /** Received descriptors (close-on-exec), at most `maxFds`; the caller owns them. */
  fds: number[];
  /**
   * True when part of the message was lost: payload beyond `maxBytes`, or descriptors beyond
   * `maxFds` (closed by the shim). Treat it as a protocol violation.
   */
  truncated: boolean;
}

/** Numbers the shim was built with. */
export interface NativeConstants {
  /** Kernel page size in bytes: the alignment of windows, file offsets and segment sizes. */
  PAGE_BYTES: number;
  /** Lowest byte offset at which a window may start (64 KiB: the core's static data). */
  WINDOW_FLOOR_BYTES: number;
  /** Most descriptors one channel message carries (16). */
  MAX_FDS: number;
  /** Poll bits passed to a WatchCallback (libuv's values). */
  POLL_READABLE: number;
  POLL_WRITABLE: number;
  POLL_DISCONNECT: number;
}

/**
 * The shim's functions (Linux only). Conventions, for every function below:
 * - arguments of the wrong type or range throw (TypeError `ERR_INVALID_ARG_TYPE`, RangeError
 *   `ERR_OUT_OF_RANGE`): those are programmer errors;
 * - everything the operating system or a peer can cause is a returned negative errno
 *   {@link Status}, never a throw;
 * - nothing blocks, and all functions belong to the thread that loaded the shim (workers
 *   load their own copy); fds are process-wide and close-on-exec.
 */
export interface NativeAddon {
  /** Every constant of assembly/layout.ts and assembly/status.ts, as the C shim sees them. */
  layout(): Record<string, number>;
  readonly constants: NativeConstants;

  /**
   * A new shared-memory segment: a memfd of `bytes` (a multiple of PAGE_BYTES), sealed
   * against shrinking, growing and further sealing. Returns the fd or a Status.
   */
  segmentCreate(bytes: number): number;
  /**
   * Checks a segment fd received from a peer before it is mapped: an O_RDWR regular file of
   * exactly `bytes`, sealed against shrinking and growing and not against writing. Returns
   * 0, -EPROTO (-71) when it is anything else (a pipe, an unsealed file, a read-only fd, the
   * wrong size), or -errno when the fd itself is bad.
   */
  segmentCheck(fd: number, bytes: number): Status;
  /** Closes an fd (never 0–2: that throws). Returns 0 or a Status. */
  closeFd(fd: number): Status;
  /**
   * Maps `bytes` of segment `fd`, from `fileOffset`, read-write and shared over
   * `[offset, offset + bytes)` of a shared memory, where both processes then see the same
   * pages. `view` is `new Uint8Array(memory.buffer)` taken after the last grow. Throws unless
   * the range is page-aligned, non-empty, at or above WINDOW_FLOOR_BYTES, inside `view` and
   * clear of other windows; returns -EPROTO when the fd fails segmentCheck's rules or is
   * shorter than `fileOffset + bytes` (mapping it would SIGBUS). The shim keeps the memory
   * alive until the window is unmapped. The window's previous contents are hidden, not kept.
   */
  mapWindow(
    view: Uint8Array,
    offset: number,
    bytes: number,
    fd: number,
    fileOffset: number,
  ): Status;
  /**
   * Detaches a window made by mapWindow (same offset and size, or it throws) by mapping
   * private zero pages back over it; memory is never unmapped. Returns 0 or a Status (the
   * window then stays mapped).
   */
  unmapWindow(view: Uint8Array, offset: number, bytes: number): Status;

  /** A new doorbell: a non-blocking eventfd. Returns the fd or a Status. */
  doorbellCreate(): number;
  /**
   * Rings a doorbell (adds 1 to the eventfd; rings before the watcher runs coalesce).
   * About one syscall; returns 0 or a Status.
   */
  doorbellRing(fd: number): Status;
  /**
   * Checks a doorbell fd received from a peer: a read-write, non-blocking eventfd. Returns 0,
   * -EPROTO, or -errno. Needs /proc.
   */
  doorbellCheck(fd: number): Status;
  /**
   * Calls `callback(POLL_READABLE)` on this thread's loop after the doorbell was rung, having
   * reset its counter; several rings may give one call. Returns the Watcher or a Status.
   * Watch an fd from one watcher only.
   */
  doorbellWatch(fd: number, callback: WatchCallback): Watcher | Status;

  /**
   * Listens for channel connections (AF_UNIX SOCK_SEQPACKET) at `path`, creating the socket
   * file with mode 0600. The directory holding it must belong to this user with no group or
   * other access (create it with mode 0700), else -EACCES. -EADDRINUSE when the path exists.
   * `backlog` (0–65535) is passed to listen(): an AF_UNIX listener queues one more than it.
   * Returns the listening fd or a Status.
   */
  channelListen(path: string, backlog: number): number;
  /**
   * Connects to a listening channel. Returns the connected fd, or -ENOENT / -ECONNREFUSED
   * (nobody listens), -EAGAIN (the listener's backlog is full), -ENAMETOOLONG, ….
   */
  channelConnect(path: string): number;
  /** Takes one pending connection: {fd, pid, uid, gid}, -EAGAIN when none, or a Status. */
  channelAccept(listenFd: number): AcceptedChannel | Status;
  /** Credentials of the process at the other end of a connected channel, or a Status. */
  channelPeer(fd: number): PeerCredentials | Status;
  /**
   * Sends one message of 1–65536 bytes with up to MAX_FDS descriptors (the peer receives
   * duplicates; the caller still owns its own). Returns the bytes sent, -EAGAIN when the
   * socket buffer is full, -EPIPE when the peer has gone, or a Status.
   */
  channelSend(fd: number, bytes: Uint8Array, fds?: number[]): number;
  /**
   * Receives one message of at most `maxBytes` (1–65536) keeping at most `maxFds` (default
   * 0) descriptors. Returns the message, 0 when the peer has closed its end, -EAGAIN when
   * nothing is waiting, or a Status.
   */
  channelRecv(fd: number, maxBytes: number, maxFds?: number): ChannelMessage | 0 | Status;
  /**
   * Calls `callback(events)` on this thread's loop while `fd` is ready for `events` (default
   * POLL_READABLE | POLL_DISCONNECT; level-triggered, so read until -EAGAIN). A peer's exit
   * shows at once as POLL_DISCONNECT: the channel is the connection's liveness channel.
   * Works on listening fds too (readable: a connection is pending). Returns the Watcher or a
   * Status.
   */
  channelWatch(fd: number, callback: WatchCallback, events?: number): Watcher | Status;

  /**
   * The start-up self-test: maps a one-page segment twice, at `offset` and `offset +
   * PAGE_BYTES` of the memory behind `view` (two free pages, at or above
   * WINDOW_FLOOR_BYTES; they read as zero afterwards), checks a write through one window is
   * seen through the other, and detaches both. Blocks for well under a millisecond.
   */
  selfTest(view: Uint8Array, offset: number): { ok: boolean; reason: string | null };
  /**
   * The RDMA devices libibverbs lists (ibv_get_device_list). `built` is false when the shim
   * was compiled without libibverbs' headers; `error` is why the list could not be read
   * (NULL from ibv_get_device_list, as on machines without RDMA). Blocks briefly (sysfs).
   */
  verbsProbe(): { built: boolean; devices: string[]; error: string | null };
}

/** Either the loaded shim, or why it is not available. */
export type NativeLoad = { addon: NativeAddon; reason: null } | { addon: null; reason: string };

let loaded: NativeLoad | undefined;

/** Why the last native build failed, from build/native-status.json, if it recorded one. */
function buildFailure(): string | null {
  try {
    const status = JSON.parse(readFileSync(STATUS_URL, 'utf8')) as { reason?: string | null };
    return status.reason ?? null;
  } catch {
    return null;
  }
}

/** Loads the shim once per thread (main thread or worker) and caches the outcome. */
export function loadNative(): NativeLoad {
  if (loaded) return loaded;
  try {
    const addon = createRequire(import.meta.url)(ADDON_URL.pathname) as NativeAddon;
    loaded = { addon, reason: null };
  } catch (error) {
    const why = buildFailure() ?? `native shim not loadable: ${(error as Error).message}`;
    loaded = { addon: null, reason: why };
  }
  return loaded;
}
