// Test helpers around the SAN provider double (a TEST DOUBLE, see san-double.ts): register it
// for one test and always unregister it, and bounded promises over sockets and servers.
import { once } from 'node:events';
import net, { type AddressInfo, type Server as NetServer } from 'node:net';
import type { Duplex } from 'node:stream';
import { registry } from '../../src/switch/registry.js';
import type { Server } from '../../src/net/server.js';
import { SanDouble } from './san-double.js';
import type { SanProvider } from '../../src/providers/spi.js';

let aside: SanProvider[] = [];

/**
 * Suite hook for suites written against an empty registry: the default SAN providers (shm,
 * registered by src/index.ts) step aside until `restoreDefaults()`.
 */
export function stepAsideDefaults(): void {
  aside = registry.list();
  for (const provider of aside) registry.unregister(provider.id);
}

/** Suite hook: registers again the providers `stepAsideDefaults()` removed. */
export function restoreDefaults(): void {
  for (const provider of aside) registry.register(provider);
  aside = [];
}

/** Rejects after `ms` so that a broken test fails instead of hanging the run. */
export function within<T>(ms: number, promise: Promise<T>, what = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** Runs `fn` with doubles registered (in order), unregistering them whatever happens. */
export async function withDoubles<T>(
  doubles: SanDouble[],
  fn: (...doubles: SanDouble[]) => Promise<T>,
): Promise<T> {
  for (const d of doubles) registry.register(d);
  try {
    return await fn(...doubles);
  } finally {
    for (const d of doubles) {
      if (registry.list().includes(d)) registry.unregister(d.id);
    }
  }
}

/** Runs `fn` with one double serving 127.0.0.1 registered. */
export function withDouble<T>(fn: (d: SanDouble) => Promise<T>): Promise<T> {
  return withDoubles([new SanDouble()], (d) => fn(d as SanDouble));
}

/** Listens and resolves with the port. */
export async function listen(server: Server | NetServer, ...args: unknown[]): Promise<number> {
  (server.listen as (...a: unknown[]) => unknown)(...args);
  await within(2000, once(server, 'listening'), 'listen');
  return (server.address() as AddressInfo).port;
}

/** Closes a server (and, for node:net, lets open connections finish). */
export function closeServer(server: Server | NetServer): Promise<void> {
  return within(2000, new Promise<void>((resolve) => server.close(() => resolve())), 'close');
}

/** Everything `stream` yields until its end, as a string. */
export async function readAll(stream: Duplex, ms = 2000): Promise<string> {
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  await within(ms, once(stream, 'end'), 'end');
  return Buffer.concat(chunks).toString();
}

/** The error `emitter` emits next. */
export async function nextError(emitter: Duplex, ms = 2000): Promise<Error & { code?: string }> {
  const [err] = await within(
    ms,
    once(emitter, 'error').catch((e: unknown) => [e]),
    'error',
  );
  return err as Error & { code?: string };
}

/** Resolves with `hadError` when `socket` emits `close` (errors do not reject it). */
export function closed(socket: Duplex, ms = 2000): Promise<boolean> {
  const done = new Promise<boolean>((resolve) => socket.once('close', resolve));
  return within(ms, done, 'close');
}

/** A plain node:net echo server (it has no SAN listener) and the connections it saw. */
export async function plainServer(): Promise<{
  server: net.Server;
  port: number;
  seen: () => number;
}> {
  let seen = 0;
  const server = net.createServer((s) => {
    seen += 1;
    s.on('data', (d) => s.write(d));
    s.on('end', () => s.end());
  });
  const port = await listen(server, 0, '127.0.0.1');
  return { server, port, seen: () => seen };
}
