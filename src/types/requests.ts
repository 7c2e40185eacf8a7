// The shapes the layers hand each other for connect and listen, once net/args.ts has
// validated the application's arguments, and the limits those arguments must keep.

/** How long a SAN connect may take before the switch retries on TCP, in milliseconds. */
export const SAN_CONNECT_TIMEOUT_MS = 2000;

/** Least and most `sanBufferBytes`, in bytes (64 KiB, 64 MiB). */
export const SAN_BUFFER_MIN_BYTES = 64 * 1024;
export const SAN_BUFFER_MAX_BYTES = 64 * 1024 * 1024;

/** Validated connect options. */
export interface ConnectRequest {
  port: number;
  host: string;
  localAddress?: string;
  localPort?: number;
  family: number;
  signal?: AbortSignal;
  sanConnectTimeout: number;
  sanBufferBytes?: number;
}

/** Validated listen options. */
export interface ListenRequest {
  port: number;
  /** undefined: the wildcard (node:net listens on `::` or `0.0.0.0`). */
  host?: string;
  backlog: number;
}
