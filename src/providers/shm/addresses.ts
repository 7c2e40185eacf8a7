// The addresses the shm provider serves (INIT-5): this host's own, since shared memory only
// reaches processes on this host. Loopback as whole subnets, every interface address as is.
import { networkInterfaces } from 'node:os';

/** Loopback subnets, always served (a host may lack a loopback interface entry for ::1). */
export const LOOPBACK_SUBNETS = ['127.0.0.0/8', '::1/128'];

/** Loopback subnets plus every address of every local interface, without duplicates. */
export function localAddressList(): string[] {
  const list = new Set(LOOPBACK_SUBNETS);
  for (const addresses of Object.values(networkInterfaces())) {
    for (const entry of addresses ?? []) {
      // Link-local IPv6 needs a scope id that the address table cannot carry.
      if (entry.family === 'IPv6' && entry.address.toLowerCase().startsWith('fe80:')) continue;
      list.add(entry.address);
    }
  }
  return [...list];
}
