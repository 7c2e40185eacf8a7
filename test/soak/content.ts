// The bytes each direction of each soak connection carries: a header naming the connection,
// then an AES-128-CTR keystream keyed by the seed, the connection and the direction, so that
// the writer and the reader (in other processes) derive the same endless stream, cheaply and
// in order, without sharing anything.
import { createCipheriv, createHash, type Cipher } from 'node:crypto';

/** Which way a stream flows: client to server or server to client. */
export type Direction = 'c2s' | 's2c';

/**
 * Every client→server stream starts with this header, outside the content stream: "SOAK" and
 * the connection id, so that the server (and the proxy, for its reports) knows a connection
 * whatever path it took.
 */
export const HEADER_BYTES = 8;
const MAGIC = 0x534f414b;

/** The header of connection `id`. */
export function header(id: number): Buffer {
  const bytes = Buffer.alloc(HEADER_BYTES);
  bytes.writeUInt32BE(MAGIC, 0);
  bytes.writeUInt32BE(id, 4);
  return bytes;
}

/** The connection id a header names, or undefined when it is no header. */
export function headerId(bytes: Buffer): number | undefined {
  return bytes.readUInt32BE(0) === MAGIC ? bytes.readUInt32BE(4) : undefined;
}

/** Keystream is produced in pieces of at most this many bytes (one zeroed buffer, reused). */
const PIECE = 1 << 20;
const ZEROES = Buffer.alloc(PIECE);

function keystream(seed: number, id: number, direction: Direction): Cipher {
  const key = createHash('sha256').update(`soak-content/${seed}/${id}/${direction}`).digest();
  return createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
}

/** The writer's side: hands out the stream's next bytes. */
export class ContentSource {
  readonly #cipher: Cipher;

  constructor(seed: number, id: number, direction: Direction) {
    this.#cipher = keystream(seed, id, direction);
  }

  /** Overwrites `target` with the stream's next `target.length` bytes. */
  fill(target: Buffer): Buffer {
    for (let at = 0; at < target.length; at += PIECE) {
      const n = Math.min(PIECE, target.length - at);
      this.#cipher.update(ZEROES.subarray(0, n)).copy(target, at);
    }
    return target;
  }

  /** The stream's next `n` bytes, in a new Buffer. */
  next(n: number): Buffer {
    return this.fill(Buffer.allocUnsafe(n));
  }
}

/** The reader's side: checks that what arrives continues the stream exactly. */
export class ContentCheck {
  readonly #cipher: Cipher;
  /** Bytes verified so far. */
  #offset = 0;

  constructor(seed: number, id: number, direction: Direction) {
    this.#cipher = keystream(seed, id, direction);
  }

  /**
   * Verifies `chunk` as the stream's next bytes; returns a description of the first byte that
   * differs (the check is then broken for good), or undefined when all of it matched.
   */
  check(chunk: Buffer): string | undefined {
    for (let at = 0; at < chunk.length; at += PIECE) {
      const n = Math.min(PIECE, chunk.length - at);
      const expected = this.#cipher.update(ZEROES.subarray(0, n));
      const got = chunk.subarray(at, at + n);
      if (!got.equals(expected)) return this.#mismatch(got, expected, at, chunk.length);
    }
    this.#offset += chunk.length;
    return undefined;
  }

  #mismatch(got: Buffer, expected: Buffer, at: number, length: number): string {
    let i = 0;
    while (got[i] === expected[i]) i += 1;
    const hex = (b: Buffer): string => b.subarray(i, i + 8).toString('hex');
    return (
      `byte ${this.#offset + at + i} of the stream differs (a chunk of ${length} B from byte ` +
      `${this.#offset}): got ${hex(got)}…, expected ${hex(expected)}…`
    );
  }
}
