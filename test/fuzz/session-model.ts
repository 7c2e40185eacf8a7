// Reference model of one session connection, both ends in this process: each side's state
// machine (negotiation, FIN, reset, the rendezvous keys), its four rings as WireRings, its
// RNIC as an RnicModel, and a byte image of both bulk halves. Every core call the session
// target makes on an honest path (and every message the hostile connector forges, which is
// only bytes in a slot it owns) is mirrored here first, so the model predicts each status,
// and sesPoll's events with their fields and payload bytes (session-receive.ts). A hostile
// write to the segment ends the model's use for that program: only the safety oracles stay.
import {
  ERR_AGAIN,
  ERR_INVAL,
  ERR_MSGSIZE,
  MEM_READ,
  MEM_WRITE,
  MSG_HEADER_BYTES,
  SES_CTL_BYTES,
  SES_CTL_RING_CAPACITY,
  SES_CTL_SLOT_BYTES,
  SES_FLAG_RDMA_READ,
  SES_MSG_DATA,
  SES_MSG_DONE,
  SES_MSG_FIN,
  SES_MSG_NEGOTIATE,
  SES_MSG_RNDV,
  SES_MSG_RST,
  SES_MSG_TARGET,
  SES_NEGOTIATE_BYTES,
  SES_RNDV_HEADER_BYTES,
  SES_VERSION,
} from '../../src/wasm/layout.generated.js';
import {
  message,
  RnicModel,
  SideModel,
  WireRing,
  words,
  type SegmentMap,
  type SessionGeometry,
} from './session-wire.js';

export type { SegmentMap, SessionGeometry };

/** 0: the connector (a), 1: the acceptor (b). */
export type Side = 0 | 1;

/** What a flush must publish: its result, and each published slot's expected bytes. */
export interface Flush {
  result: number;
  slots: { address: number; bytes: Uint8Array }[];
}

/**
 * Both ends of one connection as the core must hold them. Each method mirrors the core call
 * of the same name for one side: it returns the result the call must return and applies the
 * call's effects, so it runs before the core call it predicts (it may read memory as the
 * call will find it).
 */
export class SessionModel {
  readonly sides: [SideModel, SideModel];
  readonly rings: WireRing[];
  /** Both bulk halves as they must be, from map.halves[0]. */
  readonly image: Uint8Array;

  constructor(
    readonly geometry: SessionGeometry,
    readonly map: SegmentMap,
    readonly memory: Uint8Array,
    flags: [number, number],
  ) {
    const { capacity, slotBytes, entries, halfBytes } = geometry;
    const [c2a, a2c, ctlC2a, ctlA2c] = map.rings;
    this.rings = [
      new WireRing('data c→a', c2a, capacity, slotBytes),
      new WireRing('data a→c', a2c, capacity, slotBytes),
      new WireRing('control c→a', ctlC2a, SES_CTL_RING_CAPACITY, SES_CTL_SLOT_BYTES),
      new WireRing('control a→c', ctlA2c, SES_CTL_RING_CAPACITY, SES_CTL_SLOT_BYTES),
    ];
    const [dataC2a, dataA2c, controlC2a, controlA2c] = this.rings as [
      WireRing,
      WireRing,
      WireRing,
      WireRing,
    ];
    const rnic = (side: Side): RnicModel =>
      new RnicModel(entries, map.halves[side], halfBytes, map.memoryBytes);
    this.sides = [
      new SideModel(flags[0], rnic(0), dataC2a, controlC2a, dataA2c, controlA2c),
      new SideModel(flags[1], rnic(1), dataA2c, controlA2c, dataC2a, controlC2a),
    ];
    this.image = memory.slice(map.halves[0], map.halves[0] + 2 * halfBytes);
  }

  /** The other side's model. */
  peer(side: Side): SideModel {
    return this.sides[side === 0 ? 1 : 0];
  }

  /** The application's bytes written at `address` (the harness wrote them to memory). */
  stage(address: number, bytes: Uint8Array): void {
    const from = Math.max(address, this.map.halves[0]);
    const to = Math.min(address + bytes.length, this.map.halves[0] + this.image.length);
    for (let at = from; at < to; at++)
      this.image[at - this.map.halves[0]] = bytes[at - address] ?? 0;
  }

  /** takeSlot: the cursor of the next data-ring slot of `side`, or null when full. */
  #takeSlot(s: SideModel): number | null {
    s.dataOpen = null;
    let cursor = s.reservedAhead;
    s.reservedAhead = null;
    cursor ??= s.tx.reserve();
    if (cursor !== null) this.#stopWaiting(s);
    return cursor;
  }

  #stopWaiting(s: SideModel): void {
    if (!s.waiting) return;
    s.waitFlag = false;
    s.waiting = false;
  }

  negotiate(side: Side, threshold: number): number {
    const s = this.sides[side];
    if (s.negSent || s.reset) return ERR_INVAL;
    const cursor = this.#takeSlot(s);
    if (cursor === null) return ERR_AGAIN;
    const { capacity, slotBytes } = this.geometry;
    const body = words(SES_VERSION, s.localFlags, capacity, slotBytes, threshold);
    s.tx.fill(cursor, message(SES_MSG_NEGOTIATE, SES_NEGOTIATE_BYTES, body));
    s.negSent = true;
    return 0;
  }

  /** sesDataSlot: the payload address, or a status. */
  dataSlot(side: Side): number {
    const s = this.sides[side];
    if (!s.canSendData) return ERR_INVAL;
    if (s.txWriteKey !== 0) return ERR_AGAIN;
    const cursor = this.#takeSlot(s);
    if (cursor === null) return ERR_AGAIN;
    s.dataOpen = cursor;
    return s.tx.slotAddress(cursor) + MSG_HEADER_BYTES;
  }

  /** sesDataCommit of `length` bytes, the first of `payload` (what the harness wrote). */
  dataCommit(side: Side, length: number, payload: Uint8Array): number {
    const s = this.sides[side];
    if (length === 0) return ERR_INVAL;
    if (length > this.geometry.slotBytes - MSG_HEADER_BYTES) return ERR_MSGSIZE;
    if (s.dataOpen === null) return ERR_INVAL;
    s.tx.fill(s.dataOpen, message(SES_MSG_DATA, length, payload.subarray(0, length)));
    return 0;
  }

  /** sesSendRndv of `total` bytes at `address`; reads the first part from memory now. */
  sendRndv(side: Side, address: number, total: number): number {
    const s = this.sides[side];
    if (!s.canSendData) return ERR_INVAL;
    const first = this.geometry.slotBytes - MSG_HEADER_BYTES - SES_RNDV_HEADER_BYTES;
    if (total <= first) return ERR_INVAL;
    const readBased = (s.peerFlags & SES_FLAG_RDMA_READ) !== 0;
    if (s.txWriteKey !== 0) return ERR_AGAIN;
    const cursor = this.#takeSlot(s);
    if (cursor === null) return ERR_AGAIN;
    const rest = total - first;
    const key = s.rnic.register(address + first, rest, MEM_READ, readBased);
    if (key < 0) {
      s.reservedAhead = cursor;
      return key;
    }
    const head = words(total, readBased ? key : 0);
    const body = new Uint8Array(SES_RNDV_HEADER_BYTES + first);
    body.set(head);
    body.set(this.memory.subarray(address, address + first), SES_RNDV_HEADER_BYTES);
    s.tx.fill(cursor, message(SES_MSG_RNDV, body.length, body));
    if (!readBased) {
      s.txWriteKey = key;
      s.txWriteLength = rest;
    }
    return key;
  }

  #sendControl(s: SideModel, type: number, key: number, length: number): number {
    const cursor = s.ctlTx.reserve();
    if (cursor === null) return ERR_AGAIN;
    this.#stopWaiting(s);
    s.ctlTx.fill(cursor, message(type, SES_CTL_BYTES, words(key, length)));
    return 0;
  }

  sendDone(side: Side, key: number, length: number): number {
    const s = this.sides[side];
    return s.reset ? ERR_INVAL : this.#sendControl(s, SES_MSG_DONE, key, length);
  }

  /** sesSendTarget: the key of the MEM_WRITE region it publishes, or a status. */
  sendTarget(side: Side, address: number, length: number): number {
    const s = this.sides[side];
    if (s.reset || length === 0 || s.rxWaitTarget !== length) return ERR_INVAL;
    if (s.ctlTx.full) return ERR_AGAIN;
    const key = s.rnic.register(address, length, MEM_WRITE, true);
    if (key < 0) return key;
    this.#sendControl(s, SES_MSG_TARGET, key, length);
    s.rxWaitTarget = 0;
    s.rxTargetKey = key;
    return key;
  }

  sendFin(side: Side): number {
    const s = this.sides[side];
    if (s.finSent || s.reset || !s.negSent) return ERR_INVAL;
    if (s.txWriteKey !== 0) return ERR_AGAIN;
    const cursor = this.#takeSlot(s);
    if (cursor === null) return ERR_AGAIN;
    s.tx.fill(cursor, message(SES_MSG_FIN, 0, new Uint8Array(0)));
    s.finSent = true;
    return 0;
  }

  deregister(side: Side, key: number): number {
    const s = this.sides[side];
    if (key === s.txWriteKey) s.txWriteKey = 0;
    return s.rnic.deregister(key);
  }

  /** sesFlush: control ring first; the data ring stays unpublished behind a held credit. */
  flush(side: Side): Flush {
    const s = this.sides[side];
    const slots: Flush['slots'] = [];
    const publish = (ring: WireRing): number => {
      const { result, cursors } = ring.commit();
      for (const c of cursors) slots.push({ address: ring.slotAddress(c), bytes: ring.message(c) });
      return result;
    };
    const control = publish(s.ctlTx);
    if (s.reservedAhead !== null) return { result: control, slots };
    s.dataOpen = null;
    return { result: publish(s.tx) | control, slots };
  }

  release(side: Side): number {
    const s = this.sides[side];
    s.rx.release();
    s.ctlRx.release();
    return this.peer(side).waitFlag ? 1 : 0;
  }

  waitCredit(side: Side): number {
    const s = this.sides[side];
    if (s.reservedAhead !== null) return 1;
    s.waiting = s.waitFlag = true;
    s.reservedAhead = s.tx.reserve();
    return s.reservedAhead === null ? 0 : 1;
  }

  waitControl(side: Side): number {
    const s = this.sides[side];
    s.waiting = s.waitFlag = true;
    return s.ctlTx.full ? 0 : 1;
  }

  park(side: Side, held: boolean): number {
    const s = this.sides[side];
    s.ctlRx.parked = 1;
    if (s.ctlRx.front() !== null) return 1;
    if (!held) {
      s.rx.parked = 1;
      if (s.rx.front() !== null) return 1;
    }
    return this.peer(side).resetFlag ? 1 : 0;
  }

  unpark(side: Side): void {
    const s = this.sides[side];
    s.rx.parked = s.ctlRx.parked = 0;
  }

  /** sesPeerConsumedAll: the peer has released everything this side published. */
  consumedAll(side: Side): number {
    const { tx } = this.sides[side];
    return tx.published === tx.released ? 1 : 0;
  }

  peerReset(side: Side): number {
    return this.peer(side).resetFlag ? 1 : 0;
  }

  /** sesReset: the flag, an RST when a credit is free (published at once), the RNIC down. */
  reset(side: Side): Flush['slots'] {
    const s = this.sides[side];
    if (s.reset) return [];
    s.reset = s.resetFlag = true;
    const cursor = this.#takeSlot(s);
    const slots: Flush['slots'] = [];
    if (cursor !== null) {
      s.tx.fill(cursor, message(SES_MSG_RST, 0, new Uint8Array(0)));
      for (const c of s.tx.commit().cursors) {
        slots.push({ address: s.tx.slotAddress(c), bytes: s.tx.message(c) });
      }
    }
    s.rnic.down();
    return slots;
  }
}
