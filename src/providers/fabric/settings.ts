// Which libfabric provider the fabric provider runs on, and where its listeners bind. Over
// providers with their own port space (verbs, through rdma_cm) the SAN listener binds the
// application's own port; over those that share the kernel's TCP ports (tcp, sockets, net)
// it binds the port plus an offset, since the application's TCP listener holds the port.
import { invalidArgValue } from '../../errors.js';

/** libfabric providers whose listeners share the kernel's TCP port space. */
const SHARED_PORT_SPACE = new Set(['tcp', 'sockets', 'net', 'udp']);

/**
 * The default port offset over providers that share the kernel's ports: the SAN listener of
 * an application on TCP port P binds P + 1000 (wrapping within 1024–65535).
 */
export const DEFAULT_PORT_OFFSET = 1000;

/** The first port a wrapped SAN port may take (below it ports are privileged). */
const FIRST_WRAPPED_PORT = 1024;

/**
 * The libfabric provider to use: `preferred` (an option), else FI_PROVIDER, else verbs where
 * `offered` has it, else tcp.
 */
export function chooseProvider(offered: readonly string[], preferred?: string): string {
  const named = preferred ?? process.env.FI_PROVIDER?.split(',')[0]?.trim();
  if (named) return named;
  return offered.includes('verbs') ? 'verbs' : 'tcp';
}

/**
 * The port offset for `provider`: `configured` (an option), else
 * SANSWITCH_FABRIC_PORT_OFFSET, else 0 with its own port space and DEFAULT_PORT_OFFSET
 * without. Throws ERR_INVALID_ARG_VALUE for an offset that is not an integer 0–64511.
 */
export function portOffset(provider: string, configured?: number): number {
  const text = process.env.SANSWITCH_FABRIC_PORT_OFFSET;
  const value = configured ?? (text === undefined || text === '' ? undefined : Number(text));
  if (value === undefined) return SHARED_PORT_SPACE.has(provider) ? DEFAULT_PORT_OFFSET : 0;
  if (!Number.isInteger(value) || value < 0 || value > 65535 - FIRST_WRAPPED_PORT) {
    throw invalidArgValue('portOffset', text ?? value, 'must be an integer from 0 to 64511');
  }
  return value;
}

/** The SAN port for TCP port `port` with `offset` (the same port when the offset is 0). */
export function sanPort(port: number, offset: number): number {
  if (offset === 0) return port;
  const span = 65536 - FIRST_WRAPPED_PORT;
  return ((port + offset - FIRST_WRAPPED_PORT + span) % span) + FIRST_WRAPPED_PORT;
}
