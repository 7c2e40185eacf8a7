// Loads the N-API shim built by scripts/build-native.mjs. When it is missing (the build
// failed, or this platform cannot build it) the reason is kept, so that the providers that
// need it report themselves unavailable and say why.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const ADDON_URL = new URL('../../native/build/Release/sanswitch.node', import.meta.url);
const STATUS_URL = new URL('../../build/native-status.json', import.meta.url);

/** The shim's functions. Each is documented in the C file that implements it under native/src. */
export interface NativeAddon {
  /** Every constant of assembly/layout.ts and assembly/status.ts, as the C shim sees them. */
  layout(): Record<string, number>;
}

/** Either the loaded shim, or why it is not available. */
export type NativeLoad = { addon: NativeAddon; reason: null } | { addon: null; reason: string };

let loaded: NativeLoad | undefined;

/** Why the last native build failed, from build/native-status.json, if it recorded one. */
function buildFailure(): string | null {
  try {
    const status = JSON.parse(readFileSync(STATUS_URL, 'utf8')) as { reason?: string | null };
    return status.reason ?? null;
  } catch {
    return null;
  }
}

/** Loads the shim once per process (main thread or worker) and caches the outcome. */
export function loadNative(): NativeLoad {
  if (loaded) return loaded;
  try {
    const addon = createRequire(import.meta.url)(ADDON_URL.pathname) as NativeAddon;
    loaded = { addon, reason: null };
  } catch (error) {
    const why = buildFailure() ?? `native shim not loadable: ${(error as Error).message}`;
    loaded = { addon: null, reason: why };
  }
  return loaded;
}
