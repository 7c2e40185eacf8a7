// The start-up self-test behind the shm provider's probe: cross-process shared memory relies
// on undocumented (if long-stable) V8 behaviour, so each process checks once that a segment
// mapped into its core memory really aliases, as seen by the shim and by JavaScript.
import { loadNative, type NativeAddon } from './addon.js';
import { processCore, REGION_ALIGN_BYTES, type ProcessCore } from '../wasm/process-core.js';

/** Whether this process can use shared-memory windows, and if not, why. */
export interface ShmAvailability {
  available: boolean;
  /** Null when available; otherwise a sentence for `socket.fallbackReason` and doctor. */
  reason: string | null;
}

let cached: ShmAvailability | undefined;

/** Maps one page twice and checks, through `Int32Array` views, that both show one write. */
function javascriptAliases(
  addon: NativeAddon,
  memory: WebAssembly.Memory,
  at: number,
): string | null {
  const page = addon.constants.PAGE_BYTES;
  const fd = addon.segmentCreate(page);
  if (fd < 0) return `memfd segment failed (errno ${-fd})`;
  let reason: string | null = null;
  const view = new Uint8Array(memory.buffer);
  const mapped = [at, at + page].filter(
    (offset) => addon.mapWindow(view, offset, page, fd, 0) === 0,
  );
  if (mapped.length !== 2) {
    reason = 'mapping a segment into the memory failed';
  } else {
    const words = new Int32Array(memory.buffer);
    Atomics.store(words, at / 4 + 1, 0x5a17c0de);
    if (Atomics.load(words, (at + page) / 4 + 1) !== 0x5a17c0de) {
      reason = 'JavaScript does not see the memory the shim mapped';
    }
  }
  for (const offset of mapped) {
    if (addon.unmapWindow(view, offset, page) !== 0) reason ??= 'detaching a window failed';
  }
  addon.closeFd(fd);
  return reason;
}

/** Runs both checks on two free pages of `core`'s memory. */
function run(addon: NativeAddon, core: ProcessCore): string | null {
  const page = addon.constants.PAGE_BYTES;
  if (page > REGION_ALIGN_BYTES || REGION_ALIGN_BYTES % page !== 0) {
    return `kernel page size ${page} is not supported (regions are ${REGION_ALIGN_BYTES}-aligned)`;
  }
  const region = core.allocRegion(2 * page);
  try {
    const native = addon.selfTest(new Uint8Array(core.memory.buffer), region);
    if (!native.ok) return native.reason ?? 'self-test failed';
    return javascriptAliases(addon, core.memory, region);
  } finally {
    core.freeRegion(region, 2 * page);
  }
}

/**
 * Runs the self-test once per thread (on the first call, on the process's ProcessCore
 * unless `core` is given) and returns the cached outcome afterwards. Blocks for about a
 * millisecond on the first call. Never throws: any failure makes shm unavailable.
 */
export function shmSelfTest(core?: ProcessCore): ShmAvailability {
  if (cached) return cached;
  const { addon, reason } = loadNative();
  if (!addon) {
    cached = { available: false, reason };
    return cached;
  }
  let failure: string | null;
  try {
    failure = run(addon, core ?? processCore());
  } catch (error) {
    failure = `self-test threw: ${(error as Error).message}`;
  }
  cached =
    failure === null
      ? { available: true, reason: null }
      : { available: false, reason: `shared-memory self-test failed: ${failure}` };
  return cached;
}
