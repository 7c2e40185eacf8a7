// Reads a fuzz input as a stream of little-endian numbers; past its end every read is 0, so
// that any byte string is a whole program.

/** A cursor over one input. */
export class Reader {
  #at = 0;
  constructor(readonly bytes: Uint8Array) {}
  get done(): boolean {
    return this.#at >= this.bytes.length;
  }
  u8(): number {
    return this.bytes[this.#at++] ?? 0;
  }
  u16(): number {
    return this.u8() | (this.u8() << 8);
  }
  u32(): number {
    return (this.u16() | (this.u16() << 16)) >>> 0;
  }
}
