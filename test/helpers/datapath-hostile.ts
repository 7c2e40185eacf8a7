// What the hostile end of shm-datapath.test.ts does to a live shm connection of its own
// process: it finds the connection's segment in the process's WASM memory (below a
// registered buffer, which lies in the segment's bulk area) and writes an impossible
// consumer cursor into the ring its peer produces into, as a corrupt or malicious peer could.
import type { Socket } from '../../src/index.js';
import {
  RING_HEAD_OFFSET,
  RING_TAIL_OFFSET,
  SEG_HEADER_BYTES,
  SEG_MAGIC,
  SEG_MAGIC_OFFSET,
  SEG_RING_A2C_OFFSET,
  SEG_RING_C2A_OFFSET,
  SEG_VERSION,
  SEG_VERSION_OFFSET,
} from '../../src/wasm/layout.generated.js';
import { REGION_ALIGN_BYTES } from '../../src/wasm/process-core.js';

/** How far past the peer's published cursor the forged one points. */
const FORGED_AHEAD = 1000;

/** The address of the segment that contains `address`, scanning down region by region. */
function segmentBelow(words: Uint32Array, address: number): number {
  const word = (at: number): number => Atomics.load(words, at / 4);
  for (let at = address - (address % REGION_ALIGN_BYTES); at >= 0; at -= REGION_ALIGN_BYTES) {
    if (
      word(at + SEG_MAGIC_OFFSET) === SEG_MAGIC &&
      word(at + SEG_VERSION_OFFSET) === SEG_VERSION &&
      word(at + SEG_RING_C2A_OFFSET) === SEG_HEADER_BYTES
    ) {
      return at;
    }
  }
  throw new Error('no segment below the registered buffer');
}

/**
 * Makes the consumer cursor (head) of the ring that `socket`'s peer produces into point
 * FORGED_AHEAD slots past what the peer published: a cursor that moved past what is possible.
 * `accepted`: whether `socket` is the accepting end (its peer then produces into c2a).
 * Returns the forged and the published cursor. The socket's next release overwrites the
 * forged cursor, so the caller keeps its process from reading for a while.
 */
export function forgeConsumerCursor(
  socket: Socket,
  accepted: boolean,
): { head: number; tail: number } {
  const probe = socket.allocBuffer(64);
  const words = new Uint32Array(probe.buffer as SharedArrayBuffer);
  const segment = segmentBelow(words, probe.byteOffset);
  const ringField = accepted ? SEG_RING_C2A_OFFSET : SEG_RING_A2C_OFFSET;
  const ring = segment + Atomics.load(words, (segment + ringField) / 4);
  const tail = Atomics.load(words, (ring + RING_TAIL_OFFSET) / 4);
  const head = (tail + FORGED_AHEAD) >>> 0;
  Atomics.store(words, (ring + RING_HEAD_OFFSET) / 4, head);
  return { head, tail };
}
