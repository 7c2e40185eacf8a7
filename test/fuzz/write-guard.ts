// The fuzz target's write oracle: a shadow copy of the whole memory, compared after every
// call outside the byte ranges that call may write. Every byte that is not part of the ring,
// a private block or the caller's buffer is a guard byte holding a known pattern.

/** Half-open byte range [start, end) of the memory. */
export interface ByteRange {
  start: number;
  end: number;
  /** What the range is, for reports. */
  name: string;
}

export class WriteGuard {
  readonly #memory: Uint8Array;
  readonly #shadow: Uint8Array;
  /** Ranges never compared: the coverage counters, which every call increments. */
  readonly #ignored: readonly ByteRange[];

  constructor(memory: Uint8Array, ignored: readonly ByteRange[] = []) {
    this.#memory = memory;
    this.#shadow = memory.slice();
    this.#ignored = ignored;
  }

  /** Fills [from, memory end) with the guard pattern and takes the shadow copy. */
  reset(from: number): void {
    const memory = this.#memory;
    for (let i = from; i < memory.length; i++) memory[i] = (i * 167 + 0x5b) & 0xff;
    this.#shadow.set(memory);
  }

  /** A write the harness itself makes (filling a buffer, the hostile peer): not checked. */
  write(address: number, bytes: Uint8Array): void {
    this.#memory.set(bytes, address);
    this.#shadow.set(bytes, address);
  }

  /**
   * Returns a description of the first byte outside `allowed` (and the ignored ranges) that
   * changed since the last check, or null; then accepts every change inside `allowed`.
   */
  check(allowed: readonly ByteRange[]): string | null {
    const open = [...allowed, ...this.#ignored]
      .filter((range) => range.end > range.start)
      .sort((a, b) => a.start - b.start);
    let from = 0;
    let found: string | null = null;
    for (const range of [...open, { start: this.#memory.length, end: Infinity, name: '' }]) {
      if (found === null && range.start > from) found = this.#compare(from, range.start, open);
      from = Math.max(from, range.end);
    }
    for (const range of open) {
      const end = Math.min(range.end, this.#memory.length);
      if (range.start < end) this.#shadow.set(this.#memory.subarray(range.start, end), range.start);
    }
    if (found !== null) this.#shadow.set(this.#memory);
    return found;
  }

  #compare(start: number, end: number, open: readonly ByteRange[]): string | null {
    const now = this.#memory.subarray(start, end);
    const before = this.#shadow.subarray(start, end);
    if (Buffer.compare(now, before) === 0) return null;
    let at = 0;
    while (now[at] === before[at]) at++;
    const address = start + at;
    const near = open.map((range) => `${range.name} [${range.start}, ${range.end})`).join(', ');
    return `byte ${address} changed ${before[at]} -> ${now[at]} outside the writable ranges (${near || 'none'})`;
  }
}
