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

/** One libfabric provider's domain that offers FI_EP_MSG with messages and RDMA. */
export interface FabricProviderInfo {
  /** libfabric's provider name (`tcp`, `verbs`, …). */
  provider: string;
  /** The fabric (for tcp: a subnet such as `127.0.0.1/32`). */
  fabric: string;
  /** The domain (for tcp: an interface; for verbs: a device). */
  domain: string;
  /** The memory-registration modes the provider asks for (FI_MR_* bits). */
  mrMode: number;
  /** The domain's own address (`''` when it has none); port 0. */
  address: string;
  port: number;
}

/** What loading libfabric found (see fabricProbe). */
export interface FabricProbe {
  /** False when the shim was compiled without libfabric's headers. */
  built: boolean;
  /** Whether libfabric.so.1 loaded and initialised. */
  loaded: boolean;
  /** Why it did not load, or why its provider list is unreadable; null otherwise. */
  error: string | null;
  /**
   * Signal handlers (comma-separated names such as `SEGV,BUS`) that loading libfabric
   * replaced and the shim put back; null when it changed none (IPATH_NO_BACKTRACE worked).
   */
  replaced: string | null;
  /** libfabric's version (`1.17`), or null when not loaded. */
  version: string | null;
  providers: FabricProviderInfo[];
}

/** A connection-management event from a fabric domain's event queue (fabricEvents). */
export interface FabricEvent {
  /**
   * `request`: a peer asks to connect to listener `id` (answer `request` with fabricAccept
   * or fabricReject); `connected`: endpoint `id` is connected (`data`: the acceptor's private
   * data, on the connecting side); `shutdown`: the peer of endpoint `id` closed; `error`:
   * endpoint `id`'s connect was rejected or failed (`error`, with the reject's `data`).
   */
  type: 'request' | 'connected' | 'shutdown' | 'error' | 'other';
  id: number;
  request: number;
  /** 0, or a negative errno (-ECONNREFUSED for a reject or for nothing listening). */
  error: number;
  /** The private data that came with the event (a copy; may be empty). */
  data: Buffer;
  /** A request's peer address and port (`''` and 0 for other events). */
  address: string;
  port: number;
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
  /** 1 when the shim was compiled against libfabric's headers (the fabric* functions exist). */
  FABRIC_BUILT: number;
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
   * Loads libfabric on the first call (later calls reuse that load) and lists the domains of
   * `provider` (every provider when omitted) that offer FI_EP_MSG with FI_MSG and FI_RMA.
   * Loading sets IPATH_NO_BACKTRACE=1 first unless the environment has it, and puts back any
   * signal handler the library replaced (see `replaced`). The first call blocks for about
   * 300 ms here (Debian's libfabric initialises its psm providers); later ones for well under
   * a millisecond.
   */
  fabricProbe(provider?: string): FabricProbe;
  // The fabric* functions below exist only where `fabricProbe().built`, and work only once
  // it `loaded`. Ids are positive numbers naming the shim's objects; an id that outlived its
  // object matches nothing.
  /**
   * Opens `provider`'s first domain with one event queue and one completion queue, each with
   * an fd. Returns the domain id, -ENODEV when the provider offers nothing usable, or a Status.
   */
  fabricOpen?(provider: string): number;
  /** Closes any object; a domain closes everything opened in it first. 0 or a Status. */
  fabricClose?(id: number): Status;
  /**
   * Calls `callback(POLL_READABLE)` while the domain's event queue (`queue` 0) or completion
   * queue (1) may hold entries. Drain with fabricEvents / fabricComplete, then call
   * fabricTryWait before sleeping: the fd can be quiet while an entry is queued.
   */
  fabricWatch?(domain: number, queue: 0 | 1, callback: WatchCallback): Watcher | Status;
  /** 0 when both queues are empty and the fds will wake the loop; -EAGAIN: drain again. */
  fabricTryWait?(domain: number): Status;
  /** A passive endpoint listening on `address`:`port` (0: any port). Id or a Status. */
  fabricListen?(domain: number, address: string, port: number): number;
  /** The local (or, with `peer`, the remote) address of a listener or endpoint. */
  fabricName?(id: number, peer?: boolean): { address: string; port: number } | Status;
  /**
   * Starts connecting to `address`:`port` with `data` (≤ 256 bytes; keep it ≤ 55 for verbs)
   * as private data. Returns the endpoint id; the outcome arrives as a `connected` or
   * `error` event. There is no timeout: the caller keeps its own timer.
   */
  fabricConnect?(domain: number, address: string, port: number, data: Uint8Array): number;
  /**
   * Drains up to `max` (1–1024) events from the domain's event queue. A `request` event's
   * request id must be answered by fabricAccept or fabricReject (or closed).
   */
  fabricEvents?(domain: number, max: number): FabricEvent[] | Status;
  /** Accepts a request with `data` as private data: the new endpoint's id, or a Status. */
  fabricAccept?(request: number, data: Uint8Array): number;
  /** Rejects a request with `data` as private data (the peer sees -ECONNREFUSED). */
  fabricReject?(listener: number, request: number, data: Uint8Array): Status;
  /**
   * Registers `[offset, offset + bytes)` of the shared memory behind `view` (which must lie
   * inside `view`, i.e. inside memory.buffer.byteLength: libfabric checks nothing) for local
   * use and, per `remoteAccess` bit 1 (read) and 2 (write), for the peer's RDMA. A random
   * 64-bit key where the provider takes requested keys. Region id or a Status.
   */
  fabricRegister?(
    domain: number,
    view: Uint8Array,
    offset: number,
    bytes: number,
    remoteAccess: number,
  ): number;
  /** What a peer needs to address a region: its key and base (0 unless FI_MR_VIRT_ADDR). */
  fabricRegion?(region: number): { key: bigint; address: bigint };
  /**
   * Sets slot `slot` (0–15) of an endpoint's peer regions: RDMA work requests name the slot
   * as remote_key and an offset below `bytes` as remote_offset.
   */
  fabricRemote?(
    endpoint: number,
    slot: number,
    key: bigint,
    address: bigint,
    bytes: number,
  ): Status;
  /**
   * Posts the work requests queued in the submission ring at `sq` (a ring of `capacity`
   * SQE_BYTES slots in the memory behind `view`; the shim is its consumer): SEND, RECV,
   * RDMA_WRITE, RDMA_READ. local_offset is an absolute address inside the region named by
   * local_key (a region id). Stops at a full transmit queue; returns how many were posted,
   * -EINVAL for an entry outside its region, or a Status.
   */
  fabricPost?(endpoint: number, view: Uint8Array, sq: number, capacity: number): number;
  /**
   * Moves completions from the domain's completion queue into the ring at `cq` (the shim is
   * its producer) while it has room: user_data as posted, result = bytes (a receive's
   * length) or a negative errno, flags = the opcode. Completions of closed endpoints are
   * dropped. Returns how many were written, or a Status.
   */
  fabricComplete?(domain: number, view: Uint8Array, cq: number, capacity: number): number;
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
