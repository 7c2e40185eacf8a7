// Argument normalisation and validation for connect() and listen(), with Node's error codes,
// so that every overload (`(port, host, cb)`, `(options, cb)`, …) reaches one shape.
import { isIP } from 'node:net';
import { badPort, invalidArgType, invalidArgValue, missingArgs, outOfRange } from '../errors.js';
import {
  SAN_BUFFER_MAX_BYTES,
  SAN_BUFFER_MIN_BYTES,
  SAN_CONNECT_TIMEOUT_MS,
  type ConnectRequest,
  type ListenRequest,
} from '../types/requests.js';

/** Options of `connect()` / `createConnection()`. */
export interface ConnectOptions {
  port: number | string;
  /** Default `'localhost'`; null as absent. */
  host?: string | null;
  /** null as absent (undici passes it). */
  localAddress?: string | null;
  localPort?: number | null;
  /** Must be absent or null (http.Agent passes `path: null`): IPC paths are not supported. */
  path?: null;
  /** 0 (either), 4 or 6; `'IPv4'`/`'IPv6'` as `address()` reports them. */
  family?: number | 'IPv4' | 'IPv6';
  /** Idle timeout in milliseconds (see `socket.setTimeout`). */
  timeout?: number;
  signal?: AbortSignal;
  allowHalfOpen?: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
  /** Milliseconds; default 0. */
  keepAliveInitialDelay?: number;
  /** Milliseconds a SAN connect may take before TCP is tried; default SAN_CONNECT_TIMEOUT_MS. */
  sanConnectTimeout?: number;
  /**
   * Bytes of shared memory each side of a SAN connection has for large sends and registered
   * buffers (`allocBuffer`); SAN_BUFFER_MIN_BYTES..SAN_BUFFER_MAX_BYTES, default the
   * provider's (256 KiB for shm). Ignored on TCP.
   */
  sanBufferBytes?: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- listeners take any arguments
type Callback = (...args: any[]) => void;

/** Node's port rule: an integer (or numeric string) in 0..65535. */
export function validatePort(value: unknown, name = 'Port'): number {
  const numeric = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof numeric !== 'number' || !Number.isInteger(numeric) || numeric < 0 || numeric > 65535) {
    throw badPort(name, value);
  }
  return numeric;
}

/** A finite number ≥ 0 (milliseconds, backlog); ERR_INVALID_ARG_TYPE or ERR_OUT_OF_RANGE. */
export function validateNonNegative(value: unknown, name: string): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isFinite(value) || value < 0) throw outOfRange(name, '>= 0 and finite', value);
  return value;
}

function validateBufferBytes(value: unknown): number {
  const name = 'options.sanBufferBytes';
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value) || value < SAN_BUFFER_MIN_BYTES || value > SAN_BUFFER_MAX_BYTES) {
    throw outOfRange(name, `an integer in ${SAN_BUFFER_MIN_BYTES}..${SAN_BUFFER_MAX_BYTES}`, value);
  }
  return value;
}

function optionalType(value: unknown, name: string, type: 'string' | 'boolean'): void {
  if (value !== undefined && typeof value !== type) {
    throw invalidArgType(`options.${name}`, `of type ${type}`, value);
  }
}

/** Validates the options `new Socket()` and connect share. */
export function validateSocketOptions(options: Record<string, unknown>): void {
  optionalType(options.allowHalfOpen, 'allowHalfOpen', 'boolean');
  optionalType(options.noDelay, 'noDelay', 'boolean');
  optionalType(options.keepAlive, 'keepAlive', 'boolean');
  if (options.timeout !== undefined) validateNonNegative(options.timeout, 'options.timeout');
  if (options.keepAliveInitialDelay !== undefined) {
    validateNonNegative(options.keepAliveInitialDelay, 'options.keepAliveInitialDelay');
  }
  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw invalidArgType('options.signal', 'an instance of AbortSignal', signal);
  }
}

/** `connect(options[, cb])`, `connect(port[, host][, cb])` → options and callback. */
export function normalizeConnectArgs(args: unknown[]): [ConnectOptions, Callback | undefined] {
  const last = args[args.length - 1];
  const cb = typeof last === 'function' ? (last as Callback) : undefined;
  const first = args[0];
  if (first !== null && typeof first === 'object') return [first as ConnectOptions, cb];
  const options = { port: first } as ConnectOptions;
  if (typeof args[1] === 'string') options.host = args[1];
  return [options, cb];
}

/** `family` as node:net takes it: 0, 4, 6, `'IPv4'` or `'IPv6'` (what `address()` reports). */
function socketFamily(family: unknown): 0 | 4 | 6 {
  if (family === undefined || family === null || family === 0) return 0;
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  throw invalidArgValue('options.family', family, 'must be one of: 0, 4, 6');
}

/** Validates connect options into a request; throws Node's argument errors. */
export function toConnectRequest(options: ConnectOptions): ConnectRequest {
  const record = options as unknown as Record<string, unknown>;
  // node:net reads `path`, `host`, `localAddress` and `localPort` by truthiness: http.Agent
  // passes `path: null` and undici `localAddress: null`, and both are plain TCP connects.
  if (record.path) {
    throw invalidArgValue('options.path', record.path, 'is not supported (IPC paths)');
  }
  if (options.port === undefined || options.port === null) {
    throw missingArgs('"options" or "port"');
  }
  validateSocketOptions(record);
  if (options.host) optionalType(options.host, 'host', 'string');
  const localAddress = options.localAddress || undefined;
  optionalType(localAddress, 'localAddress', 'string');
  if (localAddress !== undefined && isIP(localAddress) === 0) {
    throw invalidArgValue('options.localAddress', localAddress, 'is invalid');
  }
  const family = socketFamily(options.family);
  const request: ConnectRequest = {
    port: validatePort(options.port),
    host: options.host || 'localhost',
    family,
    sanConnectTimeout:
      options.sanConnectTimeout === undefined
        ? SAN_CONNECT_TIMEOUT_MS
        : validateNonNegative(options.sanConnectTimeout, 'options.sanConnectTimeout'),
  };
  if (localAddress !== undefined) request.localAddress = localAddress;
  if (options.localPort) {
    request.localPort = validatePort(options.localPort, 'options.localPort');
  }
  if (options.signal !== undefined) request.signal = options.signal;
  if (options.sanBufferBytes !== undefined) {
    request.sanBufferBytes = validateBufferBytes(options.sanBufferBytes);
  }
  return request;
}

/** `listen(port[, host][, backlog][, cb])`, `listen(options[, cb])`, `listen([cb])`. */
export function normalizeListenArgs(args: unknown[]): [ListenRequest, Callback | undefined] {
  const last = args[args.length - 1];
  const cb = typeof last === 'function' ? (last as Callback) : undefined;
  const rest = cb ? args.slice(0, -1) : args;
  let options: { port?: unknown; host?: unknown; backlog?: unknown };
  if (rest[0] !== null && typeof rest[0] === 'object') {
    options = rest[0] as typeof options;
  } else {
    options = { port: rest[0] };
    const [, second, third] = rest;
    if (typeof second === 'number') options.backlog = second;
    else {
      options.host = second;
      options.backlog = third;
    }
  }
  if (options.host !== undefined && options.host !== null && typeof options.host !== 'string') {
    throw invalidArgType('options.host', 'of type string', options.host);
  }
  const request: ListenRequest = {
    port: options.port === undefined || options.port === null ? 0 : validatePort(options.port),
    backlog:
      options.backlog === undefined || options.backlog === null
        ? 511
        : validateNonNegative(options.backlog, 'backlog'),
  };
  if (typeof options.host === 'string' && options.host !== '') request.host = options.host;
  return [request, cb];
}
