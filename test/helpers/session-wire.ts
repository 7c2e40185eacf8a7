// Two raw session endpoints over one segment, driven through the core's exports only, so
// that protocol tests can forge messages straight into a ring (ws-style: bytes in, status
// out) and check the exact status the receiving side returns.
import { ProcessCore } from '../../src/wasm/process-core.js';
import type { CoreExports } from '../../src/wasm/core.js';
import { DEFAULT_GEOMETRY, formatSegment, segmentBytes } from '../../src/session/geometry.js';
import { SES_FLAG_RDMA_READ } from '../../src/wasm/layout.generated.js';

const geometry = { ...DEFAULT_GEOMETRY, capacity: 8, halfBytes: 64 * 1024 };

/** A connector (`a`) and an acceptor (`b`) session over one segment. */
export interface Wire {
  pc: ProcessCore;
  core: CoreExports;
  seg: number;
  a: number;
  b: number;
  /** Absolute address of the connector's and the acceptor's bulk halves. */
  halfA: number;
  halfB: number;
  geometry: typeof geometry;
  view(): DataView;
  /**
   * Writes one raw message (length, type, payload words) from `from` into its data ring, or
   * with `control` into its control ring, and publishes it.
   */
  forge(from: number, length: number, type: number, words?: number[], control?: boolean): void;
}

let pc: ProcessCore | undefined;

/** Opens both ends; with `negotiate` they exchange NEGOTIATE first. */
export function openWire(negotiate = true, flags = SES_FLAG_RDMA_READ): Wire {
  pc ??= new ProcessCore();
  const core = pc.core;
  const { capacity, slotBytes, entries, halfBytes } = geometry;
  const seg = pc.allocRegion(segmentBytes(core, geometry));
  formatSegment(core, seg, geometry);
  const a = pc.allocRegion(core.sesStateBytes(entries));
  const b = pc.allocRegion(core.sesStateBytes(entries));
  for (const [ses, role] of [
    [a, 0],
    [b, 1],
  ] as const) {
    const status = core.sesInit(ses, seg, role, capacity, slotBytes, entries, halfBytes, flags);
    if (status !== 0) throw new Error(`sesInit ${status}`);
  }
  const bulk = seg + core.segBulkOffset(capacity, slotBytes, entries, halfBytes);
  const memory = pc.memory;
  const view = () => new DataView(memory.buffer);
  const wire: Wire = {
    pc,
    core,
    seg,
    a,
    b,
    halfA: bulk,
    halfB: bulk + halfBytes,
    geometry,
    view,
    forge(from, length, type, words = [], control = false) {
      const ring = control ? core.sesCtlTxRing(from) : core.sesTxRing(from);
      const slot = core.ringReserve(ring);
      if (slot < 0) throw new Error(`reserve ${slot}`);
      const dv = view();
      dv.setUint32(slot, length >>> 0, true);
      dv.setUint32(slot + 4, type, true);
      words.forEach((word, i) => dv.setUint32(slot + 8 + i * 4, word >>> 0, true));
      core.ringCommit(ring);
    },
  };
  if (negotiate) {
    core.sesNegotiate(a, 0);
    core.sesFlush(a);
    core.sesPoll(b);
    core.sesNegotiate(b, 0);
    core.sesFlush(b);
    core.sesPoll(a);
    core.sesRelease(a);
    core.sesRelease(b);
  }
  return wire;
}
