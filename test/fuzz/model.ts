// Reference model of one ring with both endpoints in this process: free-running cursors as
// plain numbers and a byte image of every slot. Until the hostile peer rewrites a cursor it
// predicts every status exactly; afterwards it still knows each endpoint's own (trusted)
// cursor and every slot's bytes, so it predicts the result of any call that succeeds.
import {
  ERR_AGAIN,
  ERR_PROTO,
  RING_HEAD_OFFSET,
  RING_HEADER_BYTES,
  RING_PARKED_OFFSET,
  RING_TAIL_OFFSET,
} from '../../src/wasm/layout.generated.js';
import type { Geometry } from './program.js';

/** A broken oracle: what the core did, what it should have done, at which operation. */
export class FuzzFinding extends Error {
  override readonly name = 'FuzzFinding';
}

/** Throws a FuzzFinding unless `ok`. */
export function expect(ok: boolean, message: () => string): asserts ok {
  if (!ok) throw new FuzzFinding(message());
}

const u32 = (value: number): number => value >>> 0;

export class RingModel {
  readonly capacity: number;
  readonly slotBytes: number;
  readonly mask: number;
  /** Slot bytes as they must be in shared memory, slot index by slot index. */
  readonly image: Uint8Array;
  /** Producer: next cursor to reserve, and the tail it last published. */
  pCursor: number;
  pPublished: number;
  /** Consumer: next cursor to read, and the head it last published. */
  cCursor: number;
  cReleased: number;
  /** Whether a consumer call returned a slot that has not been consumed since. */
  fronted = false;
  /** The parked word as it is in shared memory. */
  parked = 0;
  /** Set once the hostile peer changes head or tail: statuses are then only bounded. */
  tainted = false;

  constructor(
    geometry: Geometry,
    readonly shared: number,
    initialSlots: Uint8Array,
  ) {
    this.capacity = geometry.capacity;
    this.slotBytes = geometry.slotBytes;
    this.mask = geometry.capacity - 1;
    this.image = initialSlots.slice();
    this.pCursor = this.pPublished = this.cCursor = this.cReleased = geometry.start;
  }

  /** Absolute address of the slot that cursor value `cursor` maps to. */
  slotAddress(cursor: number): number {
    return this.shared + RING_HEADER_BYTES + (cursor & this.mask) * this.slotBytes;
  }

  /** The image of the slot that cursor value `cursor` maps to (a live view). */
  slot(cursor: number): Uint8Array {
    const at = (cursor & this.mask) * this.slotBytes;
    return this.image.subarray(at, at + this.slotBytes);
  }

  get full(): boolean {
    return u32(this.pCursor - this.cReleased) > this.mask;
  }

  get empty(): boolean {
    return this.cCursor === this.pPublished;
  }

  /**
   * Checks a producer call that reserves one slot: `preErrors` are the argument checks that
   * fail before the ring is touched (the result must be one of them), `success` is the result
   * when a slot is reserved, and `fill` writes the slot image. Returns whether it reserved.
   */
  produce(real: number, preErrors: number[], success: number, fill: (slot: Uint8Array) => void) {
    if (preErrors.length > 0) {
      expect(preErrors.includes(real), () => `got ${real}, want one of ${preErrors}`);
      return false;
    }
    if (!this.tainted) {
      const want = this.full ? ERR_AGAIN : success;
      expect(real === want, () => `got ${real}, want ${want}`);
    } else {
      const allowed = [ERR_AGAIN, ERR_PROTO, success];
      expect(allowed.includes(real), () => `got ${real} after a hostile write, want ${allowed}`);
    }
    if (real !== success) return false;
    // Whatever head a consumer claims, it cannot have freed a slot not yet published: the
    // producer may run at most `capacity` slots ahead of its own last publication.
    const ahead = u32(this.pCursor + 1 - this.pPublished);
    expect(ahead <= this.capacity, () => `reserved ${ahead} slots past the published tail`);
    fill(this.slot(this.pCursor));
    this.pCursor = u32(this.pCursor + 1);
    return true;
  }

  /**
   * Checks a consumer call that fronts the next slot: `preErrors` as in produce, `success`
   * the result computed from the slot image when a slot is fronted. Returns whether the call
   * fronted a slot (unambiguously).
   */
  consume(real: number, preErrors: number[], success: number): boolean {
    if (preErrors.length > 0) {
      expect(preErrors.includes(real), () => `got ${real}, want one of ${preErrors}`);
      return false;
    }
    if (!this.tainted) {
      const want = this.empty ? ERR_AGAIN : success;
      expect(real === want, () => `got ${real}, want ${want}`);
      if (!this.empty) this.fronted = true;
      return !this.empty;
    }
    const allowed = [ERR_AGAIN, ERR_PROTO, success];
    expect(allowed.includes(real), () => `got ${real} after a hostile write, want ${allowed}`);
    const fronted = real === success && real !== ERR_PROTO;
    // Whatever tail a producer claims, it cannot have filled a slot this consumer has not
    // released: the consumer may read at most `capacity` slots past its own released head.
    const ahead = u32(this.cCursor - this.cReleased);
    expect(
      !fronted || ahead < this.capacity,
      () => `fronted a slot ${ahead} past the released head`,
    );
    if (fronted) this.fronted = true;
    return fronted;
  }

  /** The consumer moved past the fronted slot. */
  consumed(): void {
    this.cCursor = u32(this.cCursor + 1);
    this.fronted = false;
  }

  commit(real: number): void {
    let want = 0;
    if (this.pCursor !== this.pPublished) {
      this.pPublished = this.pCursor;
      want = this.parked !== 0 ? 1 : 0;
    }
    expect(real === want, () => `commit returned ${real}, want ${want}`);
  }

  release(): void {
    this.cReleased = this.cCursor;
  }

  /**
   * Applies a hostile write of `width` bytes at ring offset `offset` (already in memory):
   * slot bytes go into the image, the parked word is mirrored, and a changed cursor taints.
   */
  hostileWrite(offset: number, width: number, memory: DataView, changed: boolean): void {
    const end = offset + width;
    if (offset >= RING_HEADER_BYTES) {
      const from = offset - RING_HEADER_BYTES;
      for (let i = 0; i < width; i++) {
        this.image[from + i] = memory.getUint8(this.shared + offset + i);
      }
      return;
    }
    const overlaps = (word: number): boolean => offset < word + 4 && end > word;
    if (overlaps(RING_PARKED_OFFSET)) {
      this.parked = memory.getUint32(this.shared + RING_PARKED_OFFSET, true);
    }
    if (changed && (overlaps(RING_HEAD_OFFSET) || overlaps(RING_TAIL_OFFSET))) {
      this.tainted = true;
    }
  }

  describe(): string {
    const { pCursor, pPublished, cCursor, cReleased, capacity } = this;
    return `capacity ${capacity}, producer ${pCursor}/${pPublished}, consumer ${cCursor}/${cReleased}`;
  }
}
