// Every error sanswitch raises, shaped like Node's own, and the ONE place where negative errno
// statuses from the WASM core and the native shim become errors. Codes never change once
// published; README.md lists them all.
import { constants as osConstants } from 'node:os';

/** An error with Node's system-error fields. `errno` is negative, as libuv and Node report it. */
export interface SystemError extends Error {
  code: string;
  errno: number;
  syscall: string;
  address?: string;
  port?: number;
}

/** Where a failing operation was: the syscall-like verb and the endpoint, if any. */
export interface ErrorContext {
  syscall: string;
  address?: string;
  port?: number;
}

/** Library-specific codes (`ERR_SANSWITCH_*`); the values are the codes themselves. */
export const codes = {
  /** `register()` was given an id that is already registered (`tcp` is always registered). */
  PROVIDER_EXISTS: 'ERR_SANSWITCH_PROVIDER_EXISTS',
  /** `register()` was given an object that is not a SAN provider descriptor. */
  INVALID_PROVIDER: 'ERR_SANSWITCH_INVALID_PROVIDER',
  /** `unregister()` was given an id that is not registered. */
  UNKNOWN_PROVIDER: 'ERR_SANSWITCH_UNKNOWN_PROVIDER',
  /** A provider's `cleanup()` ran without a matching `startup()` (INIT-7). */
  NOT_INITIALISED: 'ERR_SANSWITCH_NOT_INITIALISED',
  /** SPI only: the peer has no SAN listener of ours; the switch retries on TCP (CON-4). */
  NO_SAN_LISTENER: 'ERR_SANSWITCH_NO_SAN_LISTENER',
  /**
   * SPI only: the peer's SAN provider declined for want of resources (memory, descriptors,
   * a per-peer limit); the switch goes on over TCP, reason `san-declined` (CON-5).
   */
  SAN_DECLINED: 'ERR_SANSWITCH_SAN_DECLINED',
  /**
   * A call on a socket after one of its calls was cancelled (BLK-6): the stream may have lost
   * data, so only `destroy()` is guaranteed to work.
   */
  CANCELLED: 'ERR_SANSWITCH_CANCELLED',
  /** The WASM core hit an AssemblyScript abort (a bug of the core, never a peer's doing). */
  CORE_ABORTED: 'ERR_SANSWITCH_CORE_ABORTED',
} as const;

// The errno name for a number. Linux gives some numbers two names; prefer the one the WSD
// rules and Node's messages use.
const PREFERRED_NAMES = ['EAGAIN', 'EOPNOTSUPP', 'EDEADLK'];
const errnoNames = new Map<number, string>();
for (const name of PREFERRED_NAMES) {
  const value = (osConstants.errno as Record<string, number>)[name];
  if (value !== undefined) errnoNames.set(value, name);
}
for (const [name, value] of Object.entries(osConstants.errno)) {
  if (!errnoNames.has(value)) errnoNames.set(value, name);
}

/** The negative errno number for an errno name (`'ECONNREFUSED'` → -111 on Linux), or 0. */
export function errnoOf(code: string): number {
  const value = (osConstants.errno as Record<string, number>)[code];
  return value === undefined ? 0 : -value;
}

function endpoint(ctx: ErrorContext): string {
  if (ctx.address === undefined) return '';
  return ctx.port === undefined ? ` ${ctx.address}` : ` ${ctx.address}:${ctx.port}`;
}

/**
 * A Node-shaped system error for an errno name, e.g. `connect ECONNREFUSED 127.0.0.1:1234`.
 * Any thread may call it; it allocates one Error.
 */
export function systemError(code: string, ctx: ErrorContext): SystemError {
  const err = new Error(`${ctx.syscall} ${code}${endpoint(ctx)}`) as SystemError;
  err.code = code;
  err.errno = errnoOf(code);
  err.syscall = ctx.syscall;
  if (ctx.address !== undefined) err.address = ctx.address;
  if (ctx.port !== undefined) err.port = ctx.port;
  return err;
}

/**
 * Turns a negative errno status (from the WASM core, the native shim or a provider) into a
 * Node-shaped error. The one place statuses become errors; unknown numbers get code
 * `UNKNOWN` and keep the number as `errno`. Throws RangeError for a status that is not < 0.
 */
export function statusToError(status: number, ctx: ErrorContext): SystemError {
  if (!Number.isInteger(status) || status >= 0) {
    throw outOfRange('status', 'a negative integer', status);
  }
  const code = errnoNames.get(-status);
  const err = systemError(code ?? 'UNKNOWN', ctx);
  err.errno = status;
  return err;
}

/** True when `err` says "would block" (EAGAIN, also spelt EWOULDBLOCK). */
export function isWouldBlock(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'EAGAIN' || code === 'EWOULDBLOCK';
}

/** A library error with an `ERR_SANSWITCH_*` code (or a Node `ERR_*` code). */
export function libraryError(code: string, message: string): Error & { code: string } {
  const err = new Error(message) as Error & { code: string };
  err.code = code;
  return err;
}

// A provider's connect error that sends the switch to TCP: a system error's shape, errno 0.
function fallbackError(code: string, message: string, address: string, port: number): SystemError {
  const err = new Error(message) as SystemError;
  err.code = code;
  err.errno = 0;
  err.syscall = 'connect';
  err.address = address;
  err.port = port;
  return err;
}

/** SPI: the error a provider reports when the peer has no SAN listener (fallback to TCP). */
export function noSanListener(address: string, port: number): SystemError {
  const message = `connect: no SAN listener at ${address}:${port}`;
  return fallbackError(codes.NO_SAN_LISTENER, message, address, port);
}

/**
 * SPI: a SAN connection declined for want of resources (`reason`, e.g. `no-memory`), at the
 * connector (the peer declined) or the acceptor (it declined); TCP carries the connection.
 */
export function sanDeclined(address: string, port: number, reason: string): SystemError {
  const message = `connect: SAN declined by ${address}:${port} (${reason})`;
  return fallbackError(codes.SAN_DECLINED, message, address, port);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return `Received ${value}`;
  if (typeof value === 'function') return `Received function ${value.name || '<anonymous>'}`;
  if (typeof value === 'object') return `Received an instance of ${value.constructor?.name}`;
  const shown = typeof value === 'string' ? `'${value}'` : String(value);
  return `Received type ${typeof value} (${shown})`;
}

/** Node's `ERR_INVALID_ARG_TYPE`: a TypeError with `code`. */
export function invalidArgType(name: string, expected: string, actual: unknown): TypeError {
  const err = new TypeError(`The "${name}" argument must be ${expected}. ${describe(actual)}`);
  return Object.assign(err, { code: 'ERR_INVALID_ARG_TYPE' });
}

/** Node's `ERR_INVALID_ARG_VALUE`: a TypeError with `code`. */
export function invalidArgValue(name: string, value: unknown, reason: string): TypeError {
  const err = new TypeError(`The argument '${name}' ${reason}. Received ${String(value)}`);
  return Object.assign(err, { code: 'ERR_INVALID_ARG_VALUE' });
}

/**
 * A preload scope setting (`SANSWITCH_PRELOAD_*` or its config file) that cannot be used:
 * ERR_INVALID_ARG_VALUE, thrown at preload so the app does not start half-switched.
 */
export function invalidPreloadSetting(name: string, value: unknown, why: string): TypeError {
  const err = new TypeError(
    `sanswitch/register: ${name} ${why}. Received ${JSON.stringify(value)}`,
  );
  return Object.assign(err, { code: 'ERR_INVALID_ARG_VALUE' });
}

/** Node's `ERR_OUT_OF_RANGE`: a RangeError with `code`. */
export function outOfRange(name: string, range: string, actual: unknown): RangeError {
  const err = new RangeError(
    `The value of "${name}" is out of range. It must be ${range}. Received ${String(actual)}`,
  );
  return Object.assign(err, { code: 'ERR_OUT_OF_RANGE' });
}

/** Node's `ERR_SOCKET_BAD_PORT`: a RangeError for a port outside 0..65535. */
export function badPort(name: string, actual: unknown): RangeError {
  const err = new RangeError(`${name} should be >= 0 and < 65536. Received ${String(actual)}.`);
  return Object.assign(err, { code: 'ERR_SOCKET_BAD_PORT' });
}

/** Node's `ERR_MISSING_ARGS`: a TypeError for a required argument that is absent. */
export function missingArgs(names: string): TypeError {
  const err = new TypeError(`The ${names} argument must be specified`);
  return Object.assign(err, { code: 'ERR_MISSING_ARGS' });
}

/** Node's `ERR_SERVER_ALREADY_LISTEN` and `ERR_SERVER_NOT_RUNNING`. */
export function serverState(code: 'ERR_SERVER_ALREADY_LISTEN' | 'ERR_SERVER_NOT_RUNNING'): Error {
  const message =
    code === 'ERR_SERVER_ALREADY_LISTEN'
      ? 'Listen method has been called more than once without closing.'
      : 'Server is not running.';
  return libraryError(code, message);
}

/** Node's `ERR_SOCKET_CLOSED` for an operation on a destroyed socket. */
export function socketClosed(): Error {
  return libraryError('ERR_SOCKET_CLOSED', 'Socket is closed');
}

/**
 * The shm rendezvous directory is not safe to use: not a real directory of ours (`ENOTDIR`,
 * `EPERM`), open to others (`EPERM`) or gone (`ENOENT`). `why` says which, for the reason
 * `providers()` and `sanswitch doctor` show.
 */
export function unsafeDirectory(code: string, path: string, why: string): SystemError {
  const err = systemError(code, { syscall: 'rendezvous', address: path });
  err.message = `rendezvous ${code}: ${path} ${why}`;
  return err;
}

/** node:net's `EPIPE` for a write after the peer's FIN ended a socket without allowHalfOpen. */
export function endedByPeer(): Error & { code: string } {
  return libraryError('EPIPE', 'This socket has been ended by the other party');
}

/** BLK-6: the error of every call but `destroy()` on a socket after a cancellation. */
export function cancelledSocket(syscall: string): Error & { code: string } {
  return libraryError(
    codes.CANCELLED,
    `${syscall}: a call on this socket was cancelled; only destroy() is guaranteed now`,
  );
}

/** Cancellation: an `AbortError` with `code: 'ABORT_ERR'` and the signal's reason as `cause`. */
export function abortError(reason: unknown): Error & { code: string } {
  const err = new Error('The operation was aborted', { cause: reason }) as Error & {
    code: string;
  };
  err.name = 'AbortError';
  err.code = 'ABORT_ERR';
  return err;
}
