// The facts `sanswitch doctor` reports, gathered without assuming any of them holds: a failed
// native build, a missing sysfs or an unreadable status file become sentences, never throws.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { providers, type ProviderStatus } from '../index.js';
import { loadNative } from '../native/addon.js';
import { shmSelfTest, type ShmAvailability } from '../native/self-test.js';
import { fabricReport, type FabricReport } from '../providers/fabric/index.js';

/** Where sysfs lists RDMA devices on Linux. */
export const INFINIBAND_SYSFS = '/sys/class/infiniband';

/** The native build's record (build/native-status.json, written at install). */
export const NATIVE_STATUS_PATH = fileURLToPath(
  new URL('../../build/native-status.json', import.meta.url),
);

/** What the install-time native build recorded. */
export interface NativeBuildStatus {
  /** True or false as recorded; null when there is no readable record. */
  ok: boolean | null;
  /** Why the build failed, or why there is no record; null when it succeeded. */
  reason: string | null;
  /** When it was built (ISO 8601), if recorded. */
  builtAt: string | null;
}

/** One RDMA port as sysfs describes it. */
export interface RdmaPort {
  port: string;
  /** e.g. `4: ACTIVE`; null when unreadable. */
  state: string | null;
  /** e.g. `InfiniBand`, `Ethernet`; null when unreadable. */
  linkLayer: string | null;
}

/** The RDMA devices found, and a sentence when there are none. */
export interface RdmaReport {
  devices: { name: string; ports: RdmaPort[] }[];
  /** Null when devices were found; else why none are listed. */
  note: string | null;
}

/** Everything `sanswitch doctor` prints (and `--json` writes). */
export interface DoctorReport {
  node: string;
  v8: string;
  platform: string;
  arch: string;
  providers: ProviderStatus[];
  selfTest: ShmAvailability;
  native: { build: NativeBuildStatus; loaded: boolean; reason: string | null };
  rdma: RdmaReport;
  /** libfabric: its providers, and why fabric can or cannot carry connections. */
  fabric: FabricReport;
}

function readTrimmed(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

/** Reads the native build record at `path`; never throws. */
export function readNativeBuildStatus(path: string = NATIVE_STATUS_PATH): NativeBuildStatus {
  const text = readTrimmed(path);
  if (text === null) return { ok: null, reason: `no build record at ${path}`, builtAt: null };
  try {
    const record = JSON.parse(text) as Partial<Record<keyof NativeBuildStatus, unknown>>;
    return {
      ok: typeof record.ok === 'boolean' ? record.ok : null,
      reason: typeof record.reason === 'string' ? record.reason : null,
      builtAt: typeof record.builtAt === 'string' ? record.builtAt : null,
    };
  } catch {
    return { ok: null, reason: `unreadable build record at ${path}`, builtAt: null };
  }
}

function listDir(path: string): string[] | null {
  try {
    return readdirSync(path).sort();
  } catch {
    return null;
  }
}

/** Lists the RDMA devices under `root` (sysfs layout) and their ports; never throws. */
export function findRdmaDevices(root: string = INFINIBAND_SYSFS): RdmaReport {
  const names = listDir(root);
  if (names === null) return { devices: [], note: `no RDMA devices (no ${root})` };
  if (names.length === 0) return { devices: [], note: `no RDMA devices (${root} is empty)` };
  const devices = names.map((name) => ({
    name,
    ports: (listDir(join(root, name, 'ports')) ?? []).map((port) => ({
      port,
      state: readTrimmed(join(root, name, 'ports', port, 'state')),
      linkLayer: readTrimmed(join(root, name, 'ports', port, 'link_layer')),
    })),
  }));
  return { devices, note: null };
}

/**
 * Gathers the report. Loads the native shim and runs the shared-memory self-test (about a
 * millisecond, once per process) if nothing has yet, and loads libfabric (about 300 ms). Main thread only; never throws.
 */
export function gatherDoctorReport(): DoctorReport {
  const load = loadNative();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    providers: providers(),
    selfTest: shmSelfTest(),
    native: { build: readNativeBuildStatus(), loaded: load.addon !== null, reason: load.reason },
    rdma: findRdmaDevices(),
    fabric: fabricReport(),
  };
}
