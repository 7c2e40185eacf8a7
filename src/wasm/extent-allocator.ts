// First-fit allocator of aligned byte ranges inside a WASM memory, with coalescing frees.
// It hands out addresses only: the memory itself is grown by its owner (process-core.ts).

/** A free range [start, start + bytes). */
interface Extent {
  start: number;
  bytes: number;
}

/**
 * Allocates `unit`-aligned ranges from [start, end). Called on the thread that owns the
 * memory; O(free ranges) per call; allocates a small object per free range.
 */
export class ExtentAllocator {
  readonly #unit: number;
  #end: number;
  readonly #free: Extent[];

  /** `unit` must be a power of two; `start` and `end` multiples of it. */
  constructor(start: number, end: number, unit: number) {
    this.#unit = unit;
    this.#end = end;
    this.#free = end > start ? [{ start, bytes: end - start }] : [];
  }

  /** Current upper bound in bytes. */
  get end(): number {
    return this.#end;
  }

  /** Adds [end, newEnd) to the pool, after the owner grew the memory. */
  extendTo(newEnd: number): void {
    if (newEnd <= this.#end) return;
    this.free(this.#end, newEnd - this.#end);
    this.#end = newEnd;
  }

  /** Start of a free range of `bytes` (rounded up to the unit), or -1 when none is large enough. */
  allocate(bytes: number): number {
    const size = this.#round(bytes);
    const index = this.#free.findIndex((extent) => extent.bytes >= size);
    if (index < 0) return -1;
    const extent = this.#free[index]!;
    const start = extent.start;
    extent.start += size;
    extent.bytes -= size;
    if (extent.bytes === 0) this.#free.splice(index, 1);
    return start;
  }

  /** Returns [start, start + bytes) to the pool, merging it with its free neighbours. */
  free(start: number, bytes: number): void {
    const size = this.#round(bytes);
    let index = this.#free.findIndex((extent) => extent.start > start);
    if (index < 0) index = this.#free.length;
    this.#free.splice(index, 0, { start, bytes: size });
    const next = this.#free[index + 1];
    if (next && start + size === next.start) {
      this.#free[index]!.bytes += next.bytes;
      this.#free.splice(index + 1, 1);
    }
    const previous = this.#free[index - 1];
    if (previous && previous.start + previous.bytes === start) {
      previous.bytes += this.#free[index]!.bytes;
      this.#free.splice(index, 1);
    }
  }

  /** Largest single range that could be allocated now, in bytes. */
  largestFree(): number {
    return this.#free.reduce((largest, extent) => Math.max(largest, extent.bytes), 0);
  }

  #round(bytes: number): number {
    return Math.ceil(Math.max(bytes, 1) / this.#unit) * this.#unit;
  }
}
