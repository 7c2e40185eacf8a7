// The fabric part of the native shim, present only where the shim was built against
// libfabric: one typed handle on it, so that the provider never meets an optional function,
// and the cheap check of whether it could load at all. Loading libfabric costs about 300 ms
// here (its psm providers' constructors), so nothing loads it before a fabric socket is
// needed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadNative, type NativeAddon } from '../../native/addon.js';

/** Where the dynamic loader finds libfabric.so.1 on Debian and most distributions. */
const LIBRARY_DIRS = [
  '/usr/lib/x86_64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/usr/lib64',
  '/usr/lib',
  '/usr/local/lib',
  '/lib/x86_64-linux-gnu',
];

type FabricFunction = Extract<keyof NativeAddon, `fabric${string}`>;

/** The shim's fabric functions, all present. */
export type FabricAddon = Required<Pick<NativeAddon, FabricFunction>> &
  Pick<NativeAddon, 'constants'>;

/** Either the shim's fabric functions, or why they are not there. */
export type FabricLoad = { addon: FabricAddon; reason: null } | { addon: null; reason: string };

const BUILT_WITHOUT =
  'the native shim was built without libfabric (install libfabric-dev, then npm run build:native)';

/**
 * Why libfabric certainly cannot load here, or null when it may: the shim is not loaded or
 * was built without libfabric's headers, or no libfabric.so.1 is where the loader looks
 * (LD_LIBRARY_PATH, then the usual directories). Loads nothing; never throws.
 */
export function fabricMissing(): string | null {
  const load = loadNative();
  if (!load.addon) return `the native shim is not loaded (${load.reason})`;
  if (load.addon.constants.FABRIC_BUILT !== 1) return BUILT_WITHOUT;
  const dirs = [...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), ...LIBRARY_DIRS];
  if (!dirs.some((dir) => existsSync(join(dir, 'libfabric.so.1')))) {
    return 'libfabric.so.1 is not installed (install libfabric1)';
  }
  return null;
}

/**
 * The shim's fabric functions, or why they cannot be used: the shim is not loaded, it was
 * built without libfabric's headers, or libfabric itself does not load. Loads libfabric on
 * the first call (see NativeAddon.fabricProbe). Main thread only; never throws.
 */
export function loadFabric(): FabricLoad {
  const load = loadNative();
  if (!load.addon) return { addon: null, reason: `the native shim is not loaded (${load.reason})` };
  const probe = load.addon.fabricProbe();
  if (!probe.built) return { addon: null, reason: BUILT_WITHOUT };
  if (!probe.loaded) return { addon: null, reason: probe.error ?? 'libfabric did not load' };
  return { addon: load.addon as FabricAddon, reason: null };
}
