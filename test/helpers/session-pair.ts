// Two SessionConduits over one segment in this process's shared memory. The doorbell is a
// test double (the native eventfd cannot ring within one thread): ring() schedules the other
// conduit's wake() with setImmediate, as a uv_poll callback would run on a later loop turn.
import { ProcessCore } from '../../src/wasm/process-core.js';
import { SessionConduit, type SessionConduitOptions } from '../../src/session/conduit.js';
import {
  DEFAULT_GEOMETRY,
  formatSegment,
  segmentBytes,
  type SessionGeometry,
} from '../../src/session/geometry.js';

/** A connector and an acceptor over one freshly formatted segment. */
export interface SessionPair {
  pc: ProcessCore;
  segment: number;
  geometry: SessionGeometry;
  connector: SessionConduit;
  acceptor: SessionConduit;
  /** Resolves once both sides have seen the peer's NEGOTIATE. */
  ready: Promise<void>;
}

type Extra = Partial<Omit<SessionConduitOptions, 'core' | 'segment' | 'geometry' | 'role'>>;

let shared: ProcessCore | undefined;

/** The suites' ProcessCore (one per test process, as in production). */
export function testCore(): ProcessCore {
  shared ??= new ProcessCore();
  return shared;
}

/** Opens a pair; `connectorOptions`/`acceptorOptions` override per side. */
export function openPair(
  geometry: SessionGeometry = DEFAULT_GEOMETRY,
  connectorOptions: Extra = {},
  acceptorOptions: Extra = {},
): SessionPair {
  const pc = testCore();
  const segment = pc.allocRegion(segmentBytes(pc.core, geometry));
  formatSegment(pc.core, segment, geometry);
  // The doorbells look the peer up lazily: each conduit exists before the other.
  const peers: { connector?: SessionConduit; acceptor?: SessionConduit } = {};
  const bell = (peer: () => SessionConduit | undefined) => ({
    ring: () => setImmediate(() => peer()?.wake()),
  });
  const base = { core: pc, segment, geometry };
  const acceptor = new SessionConduit({
    ...base,
    role: 'acceptor',
    doorbell: bell(() => peers.connector),
    ...acceptorOptions,
  });
  const connector = new SessionConduit({
    ...base,
    role: 'connector',
    doorbell: bell(() => peers.acceptor),
    ...connectorOptions,
  });
  Object.assign(peers, { connector, acceptor });
  const negotiated = (conduit: SessionConduit) =>
    new Promise<void>((resolve) => conduit.once('negotiated', resolve));
  const ready = Promise.all([negotiated(connector), negotiated(acceptor)]).then(() => undefined);
  return { pc, segment, geometry, connector, acceptor, ready };
}

/** Collects a conduit's data until `end`, resuming it; resolves with all bytes. */
export function readAll(conduit: SessionConduit): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    conduit.on('data', (chunk: Buffer) => chunks.push(chunk));
    conduit.once('end', () => resolve(Buffer.concat(chunks)));
    conduit.once('error', reject);
    conduit.resume();
  });
}

/** Writes and resolves when the write's callback ran. */
export function write(conduit: SessionConduit, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) =>
    conduit.write(chunk, (err) => (err ? reject(err) : resolve())),
  );
}

/** Waits for one event of `emitter` with a deadline, in ms. */
export function once<T = unknown>(
  emitter: NodeJS.EventEmitter,
  event: string,
  ms = 5000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms);
    emitter.once(event, (value: T) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/** Closes both conduits of a pair and frees its segment. */
export function closePair(pair: SessionPair): void {
  pair.connector.destroy();
  pair.acceptor.destroy();
}
