// The parts of the session reference model below the protocol: one ring of the segment as
// cursors and the message bytes each slot must hold (WireRing), one side's soft RNIC as its
// registration table and the entries it publishes (RnicModel), and one side's private state
// (SideModel). They follow only calls the harness makes through the core, so they are exact
// until a hostile write (session-model.ts).
import {
  ERR_ACCES,
  ERR_INVAL,
  ERR_NOBUFS,
  ERR_NOTCONN,
  ERR_PROTO,
  MEM_READ,
  MEM_WRITE,
  MSG_HEADER_BYTES,
  REG_KEY_INDEX_MASK,
  RING_HEADER_BYTES,
} from '../../src/wasm/layout.generated.js';

/** Geometry of the fuzzed connection (both data rings alike; control rings are fixed). */
export interface SessionGeometry {
  capacity: number;
  slotBytes: number;
  entries: number;
  halfBytes: number;
}

/** Absolute addresses of the segment's parts, as the core computes them. */
export interface SegmentMap {
  seg: number;
  segBytes: number;
  /** Ring headers: data c→a, data a→c, control c→a, control a→c. */
  rings: [number, number, number, number];
  /** Each side's flags word and part of the registration table, connector first. */
  flags: [number, number];
  tables: [number, number];
  /** Each side's bulk half, connector first (adjacent: halves[1] = halves[0] + halfBytes). */
  halves: [number, number];
  memoryBytes: number;
}

/** A message as it must lie in its slot: header, then `payload`. */
export function message(type: number, length: number, payload: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(MSG_HEADER_BYTES + payload.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, length, true);
  view.setUint32(4, type, true);
  bytes.set(payload, MSG_HEADER_BYTES);
  return bytes;
}

/** Little-endian u32 words as bytes. */
export function words(...values: number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => view.setUint32(i * 4, value >>> 0, true));
  return bytes;
}

/** One ring: free-running cursors (from 0) and, per slot, the message bytes it must hold. */
export class WireRing {
  /** Producer: slots reserved, slots published (the tail word). */
  reserved = 0;
  published = 0;
  /** Consumer: slots consumed, slots released (the head word). */
  consumed = 0;
  released = 0;
  /** The parked word, as the consumer last set it. */
  parked = 0;
  /** Expected header and payload of each slot, by slot index (undefined: never filled). */
  readonly #slots: (Uint8Array | undefined)[];

  constructor(
    readonly name: string,
    /** Absolute address of the ring header. */
    readonly base: number,
    readonly capacity: number,
    readonly slotBytes: number,
  ) {
    this.#slots = new Array<Uint8Array | undefined>(capacity);
  }

  slotAddress(cursor: number): number {
    return this.base + RING_HEADER_BYTES + (cursor % this.capacity) * this.slotBytes;
  }

  /** The next cursor reserved, or null when the ring is full. */
  reserve(): number | null {
    if (this.reserved - this.released >= this.capacity) return null;
    return this.reserved++;
  }

  get full(): boolean {
    return this.reserved - this.released >= this.capacity;
  }

  fill(cursor: number, bytes: Uint8Array): void {
    this.#slots[cursor % this.capacity] = bytes;
  }

  message(cursor: number): Uint8Array {
    return this.#slots[cursor % this.capacity] ?? new Uint8Array(8);
  }

  /** ringCommit: publishes every reserved slot; returns them and whether to ring. */
  commit(): { result: number; cursors: number[] } {
    const cursors: number[] = [];
    for (let c = this.published; c < this.reserved; c++) cursors.push(c);
    if (cursors.length === 0) return { result: 0, cursors };
    this.published = this.reserved;
    return { result: this.parked !== 0 ? 1 : 0, cursors };
  }

  /** The oldest published, unconsumed cursor, or null. */
  front(): number | null {
    return this.consumed < this.published ? this.consumed : null;
  }

  advance(): void {
    this.consumed++;
  }

  release(): void {
    this.released = this.consumed;
  }
}

/** One registration of the private table (`address` absolute). */
export interface Registration {
  key: number;
  address: number;
  length: number;
  access: number;
  /** Published in the segment for the peer (the core's ACCESS_REMOTE bit). */
  remote: boolean;
}

/** One side's soft RNIC: the private table, the generation counter, and whether it is up. */
export class RnicModel {
  up = true;
  #generation = 0;
  readonly entries: (Registration | undefined)[];

  constructor(
    count: number,
    /** Absolute address and size of this side's bulk half. */
    readonly ownHalf: number,
    readonly halfBytes: number,
    readonly memoryBytes: number,
  ) {
    this.entries = new Array<Registration | undefined>(count);
  }

  /** memRegister: the key, or ERR_INVAL, ERR_NOTCONN, ERR_NOBUFS. */
  register(address: number, length: number, access: number, remote: boolean): number {
    if (access === 0 || (access & ~(MEM_READ | MEM_WRITE)) !== 0) return ERR_INVAL;
    if (!this.up) return ERR_NOTCONN;
    const { ownHalf, halfBytes } = this;
    if (remote && (address < ownHalf || address + length > ownHalf + halfBytes)) return ERR_INVAL;
    if (!remote && address + length > this.memoryBytes) return ERR_INVAL;
    const index = this.entries.findIndex((entry) => entry === undefined);
    if (index < 0) return ERR_NOBUFS;
    this.#generation = (this.#generation + 1) & 0xffffff || 1;
    const key = ((this.#generation << 8) | index) >>> 0;
    this.entries[index] = { key, address, length, access, remote };
    return key;
  }

  /** The live registration of `key` (memEntry), or undefined. */
  live(key: number): Registration | undefined {
    const entry = key === 0 ? undefined : this.entries[key & REG_KEY_INDEX_MASK];
    return entry?.key === key ? entry : undefined;
  }

  /** memDeregister: 0, or ERR_INVAL for an unknown key. */
  deregister(key: number): number {
    if (this.live(key) === undefined) return ERR_INVAL;
    this.entries[key & REG_KEY_INDEX_MASK] = undefined;
    return 0;
  }

  /** rnicDown: every entry withdrawn, every later registration refused. */
  down(): void {
    this.entries.fill(undefined);
    this.up = false;
  }

  /** The entry published at `index` of this side's part of the segment's table. */
  published(index: number): Registration | undefined {
    const entry = this.entries[index];
    return entry?.remote ? entry : undefined;
  }

  /**
   * rnicRemote run by the peer on this side's published region `key`: the absolute address
   * of [offset, offset + length), or ERR_PROTO / ERR_ACCES. Published regions always lie in
   * this side's half (register checks it), so the half bound cannot fail here.
   */
  remote(key: number, offset: number, length: number, access: number): number {
    const index = key & REG_KEY_INDEX_MASK;
    const entry = key === 0 ? undefined : this.published(index);
    if (entry === undefined || entry.key !== key) return ERR_PROTO;
    if (offset + length > entry.length) return ERR_PROTO;
    if ((entry.access & access) !== access) return ERR_ACCES;
    return entry.address + offset;
  }

  /** localAddress for an RDMA work request on this side's own `key`, or a status. */
  local(key: number, length: number, access: number): number {
    const entry = this.live(key);
    if (entry === undefined) return ERR_INVAL;
    if (length > entry.length) return ERR_INVAL;
    if ((entry.access & access) !== access) return ERR_ACCES;
    return entry.address;
  }
}

/** One endpoint's private state (assembly/session/state.ts), and its rings and RNIC. */
export class SideModel {
  negSent = false;
  negReceived = false;
  finSent = false;
  finReceived = false;
  reset = false;
  peerFlags = 0;
  rxTargetKey = 0;
  rxWaitTarget = 0;
  txWriteKey = 0;
  txWriteLength = 0;
  /** S_WAITING, and the two bits of this side's shared flags word. */
  waiting = false;
  waitFlag = false;
  resetFlag = false;
  /** A data-ring cursor taken ahead by sesWaitCredit (or put back), and the open DATA slot. */
  reservedAhead: number | null = null;
  dataOpen: number | null = null;

  constructor(
    readonly localFlags: number,
    readonly rnic: RnicModel,
    readonly tx: WireRing,
    readonly ctlTx: WireRing,
    readonly rx: WireRing,
    readonly ctlRx: WireRing,
  ) {}

  get canSendData(): boolean {
    return this.negSent && this.negReceived && !this.finSent && !this.reset;
  }

  get streamOpen(): boolean {
    return !this.finReceived && this.rxWaitTarget === 0 && this.rxTargetKey === 0;
  }
}
