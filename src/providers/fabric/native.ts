// The fabric part of the native shim, present only where the shim was built against
// libfabric: one typed handle on it, so that the provider never meets an optional function.
import { loadNative, type NativeAddon } from '../../native/addon.js';

type FabricFunction = Extract<keyof NativeAddon, `fabric${string}`>;

/** The shim's fabric functions, all present. */
export type FabricAddon = Required<Pick<NativeAddon, FabricFunction>> &
  Pick<NativeAddon, 'constants'>;

/** Either the shim's fabric functions, or why they are not there. */
export type FabricLoad = { addon: FabricAddon; reason: null } | { addon: null; reason: string };

/**
 * The shim's fabric functions, or why they cannot be used: the shim is not loaded, it was
 * built without libfabric's headers, or libfabric itself does not load. Loads libfabric on
 * the first call (see NativeAddon.fabricProbe). Main thread only; never throws.
 */
export function loadFabric(): FabricLoad {
  const load = loadNative();
  if (!load.addon) return { addon: null, reason: `the native shim is not loaded (${load.reason})` };
  const probe = load.addon.fabricProbe();
  if (!probe.built) {
    return {
      addon: null,
      reason:
        'the native shim was built without libfabric (install libfabric-dev, then npm run build:native)',
    };
  }
  if (!probe.loaded) return { addon: null, reason: probe.error ?? 'libfabric did not load' };
  return { addon: load.addon as FabricAddon, reason: null };
}
