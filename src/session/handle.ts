// The WASM-side resources of one session in this process: its private state block, attached
// to the segment, and where this side's bulk half lies. Main thread only.
import type { CoreExports } from '../wasm/core.js';
import type { ProcessCore } from '../wasm/process-core.js';
import { statusToError } from '../errors.js';
import type { SessionGeometry } from './geometry.js';

/** One session's private block and where its own bulk half is. */
export interface SessionHandle {
  core: CoreExports;
  memory: WebAssembly.Memory;
  /** Absolute address of the private session block. */
  ses: number;
  /** Absolute address of this side's bulk half. */
  ownHalf: number;
  /**
   * Frees the private block; with `withdraw` it first takes the RNIC down (MEM-3), so that
   * nothing announced stays readable (an abortive close). Idempotent.
   */
  close(withdraw: boolean): void;
}

/**
 * Checks the segment at `segment` against `geometry` and attaches a new session to it as
 * `role`. Throws the status as an error: EPROTO when the segment's header is not what this
 * side expects (a hostile or incompatible creator), EINVAL for an unusable geometry.
 */
export function openSession(
  pc: ProcessCore,
  segment: number,
  geometry: SessionGeometry,
  role: number,
  flags: number,
): SessionHandle {
  const { core } = pc;
  const { capacity, slotBytes, entries, halfBytes } = geometry;
  const stateBytes = core.sesStateBytes(entries);
  const ses = pc.allocRegion(stateBytes);
  const status = core.sesInit(ses, segment, role, capacity, slotBytes, entries, halfBytes, flags);
  if (status < 0) {
    pc.freeRegion(ses, stateBytes);
    throw statusToError(status, { syscall: 'connect' });
  }
  const bulk = core.segBulkOffset(capacity, slotBytes, entries, halfBytes);
  const ownHalf = segment + bulk + (role === 0 ? 0 : halfBytes);
  let open = true;
  return {
    core,
    memory: pc.memory,
    ses,
    ownHalf,
    close(withdraw) {
      if (!open) return;
      open = false;
      if (withdraw) core.sesClose(ses);
      pc.freeRegion(ses, stateBytes);
    },
  };
}
