// How much of a listening process's SAN memory each peer process holds beyond default-sized
// connections (issue 13: one client asking for 64 MiB buffers must not starve the others). A
// connection of the default geometry is never limited here (only by memory itself); the
// bytes a larger one maps above that count against its peer's budget, and a request past
// the budget is declined to TCP (`peer-limit`). Main thread only.
import type { SessionGeometry } from '../../session/geometry.js';

/**
 * Bytes of segment memory above the default that one peer process may hold on one listener:
 * a quarter of the 2 GiB a process can map, so at least three peers get their large buffers.
 */
export const PEER_LARGE_BUDGET_BYTES = 512 << 20;

/** Large-buffer bytes held per peer pid, with the default connection's size to subtract. */
export class PeerShares {
  readonly #held = new Map<number, number>();
  readonly #sizeOf: (geometry: SessionGeometry) => number;
  readonly #defaultBytes: number;

  /** `sizeOf`: bytes a segment of a geometry maps; `defaultBytes`: that of the default one. */
  constructor(sizeOf: (geometry: SessionGeometry) => number, defaultBytes: number) {
    this.#sizeOf = sizeOf;
    this.#defaultBytes = defaultBytes;
  }

  #extra(geometry: SessionGeometry): number {
    return Math.max(0, this.#sizeOf(geometry) - this.#defaultBytes);
  }

  /**
   * Takes the share a connection of `geometry` from `pid` needs; returns the function that
   * gives it back (call it once, when the connection closes), or undefined past the budget.
   */
  take(pid: number, geometry: SessionGeometry): (() => void) | undefined {
    const extra = this.#extra(geometry);
    if (extra === 0) return () => {};
    const held = this.#held.get(pid) ?? 0;
    if (held + extra > PEER_LARGE_BUDGET_BYTES) return undefined;
    this.#held.set(pid, held + extra);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const left = (this.#held.get(pid) ?? extra) - extra;
      if (left > 0) this.#held.set(pid, left);
      else this.#held.delete(pid);
    };
  }
}
