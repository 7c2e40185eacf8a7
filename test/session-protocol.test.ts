// The session protocol's validation, ws-style: forged messages are written straight into a
// ring and the receiving side's sesPoll must return the exact status (ERR_PROTO for every
// violation), leaving the segment outside the message untouched.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openWire } from './helpers/session-wire.js';
import {
  ERR_AGAIN,
  ERR_INVAL,
  ERR_PROTO,
  MEM_READ,
  MEM_WRITE,
  MSG_HEADER_BYTES,
  SES_RNDV_HEADER_BYTES,
  SES_EV_DATA,
  SES_EV_NEGOTIATED,
  SES_EV_RNDV_READ,
  SES_EV_RNDV_WRITE,
  SES_EV_SEND_DONE,
  RING_TAIL_OFFSET,
  SEG_RING_C2A_OFFSET,
  SEG_RING_A2C_OFFSET,
  SEG_CTL_C2A_OFFSET,
  SEG_CTL_A2C_OFFSET,
  SES_EV_FIN,
  SES_EV_RST,
  SES_MSG_NEGOTIATE,
  SES_MSG_DATA,
  SES_MSG_RNDV,
  SES_MSG_DONE,
  SES_MSG_TARGET,
  SES_MSG_FIN,
  SES_VERSION,
  SES_NEGOTIATE_BYTES,
  SEG_MAGIC_OFFSET,
  SEG_BULK_BYTES_OFFSET,
  SES_NEG_CREDITS_OFFSET,
} from '../src/wasm/layout.generated.js';

// A valid NEGOTIATE body for the wire's geometry, with one field overridden.
function negotiateWords(capacity: number, slotBytes: number, patch: Record<number, number> = {}) {
  const words = [SES_VERSION, 0, capacity, slotBytes, 0];
  for (const [i, value] of Object.entries(patch)) words[Number(i)] = value;
  return words;
}

test('SES-3: the acceptor posts first; its NEGOTIATE, sent before the connector speaks, carries them', () => {
  const w = openWire(false);
  assert.is(w.core.sesNegotiate(w.b, 0), 0);
  w.core.sesFlush(w.b);
  // Nothing came from the connector yet: the acceptor's receive ring is still empty.
  assert.is(w.core.ringFront(w.core.sesRxRing(w.b)), ERR_AGAIN);
  const ring = w.core.sesRxRing(w.a);
  const slot = w.core.ringFront(ring);
  assert.ok(slot >= 0, 'the acceptor NEGOTIATE is in the connector ring');
  assert.is(w.core.msgPeekType(ring), SES_MSG_NEGOTIATE);
  const credits = w.view().getUint32(slot + MSG_HEADER_BYTES + SES_NEG_CREDITS_OFFSET, true);
  assert.is(credits, w.geometry.capacity, 'its credits are its posted receive buffers');
  assert.is(w.core.sesPoll(w.a), SES_EV_NEGOTIATED);
});

test('SES-6: a NEGOTIATE longer than 256 bytes is refused', () => {
  const w = openWire(false);
  w.forge(w.a, 257, SES_MSG_NEGOTIATE, negotiateWords(8, w.geometry.slotBytes));
  assert.is(w.core.sesPoll(w.b), ERR_PROTO);
});

test('SES-6: each NEGOTIATE field is validated (version, flags, credits, slot size)', () => {
  const { slotBytes } = openWire(false).geometry;
  const patches: Record<number, number>[] = [
    { 0: 99 },
    { 1: 0x80 },
    { 2: 7 },
    { 3: slotBytes + 8 },
  ];
  for (const patch of patches) {
    const w = openWire(false);
    w.forge(w.a, SES_NEGOTIATE_BYTES, SES_MSG_NEGOTIATE, negotiateWords(8, slotBytes, patch));
    assert.is(w.core.sesPoll(w.b), ERR_PROTO, JSON.stringify(patch));
  }
  const ok = openWire(false);
  ok.forge(ok.a, SES_NEGOTIATE_BYTES, SES_MSG_NEGOTIATE, negotiateWords(8, slotBytes));
  assert.is(ok.core.sesPoll(ok.b), SES_EV_NEGOTIATED);
});

test('SES-2: DATA before NEGOTIATE, and a second NEGOTIATE, are refused', () => {
  const w = openWire(false);
  w.forge(w.a, 4, SES_MSG_DATA);
  assert.is(w.core.sesPoll(w.b), ERR_PROTO);
  const v = openWire();
  v.forge(v.a, SES_NEGOTIATE_BYTES, SES_MSG_NEGOTIATE, negotiateWords(8, v.geometry.slotBytes));
  assert.is(v.core.sesPoll(v.b), ERR_PROTO);
});

test('SES-7: unknown type, length beyond the slot, empty DATA are refused', () => {
  for (const [length, type] of [
    [4, 99],
    [0, 0],
    [openWire().geometry.slotBytes - 7, SES_MSG_DATA],
    [0xffffffff, SES_MSG_DATA],
    [0, SES_MSG_DATA],
  ] as const) {
    const w = openWire();
    w.forge(w.a, length, type);
    assert.is(w.core.sesPoll(w.b), ERR_PROTO, `${length} ${type}`);
  }
  const ok = openWire();
  ok.forge(ok.a, ok.geometry.slotBytes - 8, SES_MSG_DATA);
  assert.is(ok.core.sesPoll(ok.b), SES_EV_DATA);
});

test('CLS-1: DATA, RNDV or a second FIN after FIN are refused', () => {
  for (const [length, type] of [
    [4, SES_MSG_DATA],
    [100, SES_MSG_RNDV],
    [0, SES_MSG_FIN],
  ] as const) {
    const w = openWire();
    w.forge(w.a, 0, SES_MSG_FIN);
    assert.is(w.core.sesPoll(w.b), SES_EV_FIN);
    w.forge(w.a, length, type, [1000, 0]);
    assert.is(w.core.sesPoll(w.b), ERR_PROTO, `type ${type}`);
  }
  const f = openWire();
  f.forge(f.a, 4, SES_MSG_FIN);
  assert.is(f.core.sesPoll(f.b), ERR_PROTO, 'FIN with a payload');
});

test('SES-9: DONE without an outstanding rendezvous, or with a wrong length, is refused', () => {
  const w = openWire();
  w.forge(w.a, 8, SES_MSG_DONE, [0x100, 10], true);
  assert.is(w.core.sesPoll(w.b), ERR_PROTO);
  const v = openWire();
  const key = v.core.sesSendRndv(v.b, v.halfB, 20000);
  assert.ok(key > 0);
  v.forge(v.a, 8, SES_MSG_DONE, [key, 1], true);
  assert.is(v.core.sesPoll(v.b), ERR_PROTO, 'DONE with the wrong length');
  const t = openWire();
  t.forge(t.a, 8, SES_MSG_TARGET, [0x100, 10], true);
  assert.is(t.core.sesPoll(t.b), ERR_PROTO, 'TARGET with no write-based send');
});

test('SES-7: DONE and TARGET belong on the control ring; on the data ring they are refused', () => {
  for (const type of [SES_MSG_DONE, SES_MSG_TARGET]) {
    const w = openWire();
    const key = w.core.sesSendRndv(w.b, w.halfB, 20000);
    w.forge(w.a, 8, type, [key, 20000], false);
    assert.is(w.core.sesPoll(w.b), ERR_PROTO, `type ${type} on the data ring`);
  }
});

test('SES-9: a DONE for a target no longer registered is refused, whatever its length says', () => {
  // Write-based: the acceptor asks for a target, then withdraws it; a DONE whose length
  // equals ERR_INVAL as an i32 (0xffffffea) must not pass for the withdrawn key's "length".
  const w = openWire(true, 0);
  const { core, a, b } = w;
  assert.ok(core.sesSendRndv(a, w.halfA, 20000) > 0);
  core.sesFlush(a);
  assert.is(core.sesPoll(b), SES_EV_RNDV_WRITE);
  const rest = 20000 - core.sesEvLength(b);
  const target = core.sesSendTarget(b, w.halfB, rest);
  assert.ok(target > 0);
  assert.is(core.sesDeregister(b, target), 0);
  w.forge(a, 8, SES_MSG_DONE, [target, 0xffffffea], true);
  assert.is(core.sesPoll(b), ERR_PROTO);
});

test('SES-9: RNDV with a total not above its first part, or a short header, is refused', () => {
  for (const [length, total] of [
    [100, 92],
    [100, 50],
    [4, 1000],
  ]) {
    const w = openWire();
    w.forge(w.a, length!, SES_MSG_RNDV, [total!, 0x100]);
    assert.is(w.core.sesPoll(w.b), ERR_PROTO, `${length} ${total}`);
  }
});

test('MEM-3/SES-9: an RNDV descriptor with an unknown key is refused', () => {
  const w = openWire();
  w.forge(w.a, 100, SES_MSG_RNDV, [1000, 0x1234500]);
  assert.is(w.core.sesPoll(w.b), ERR_PROTO);
});

test('SES-9: a descriptor outside the peer bulk half is refused', () => {
  const w = openWire();
  const key = w.core.sesSendRndv(w.a, w.halfA, 20000);
  assert.ok(key > 0);
  w.core.sesFlush(w.a);
  // The hostile connector rewrites its published entry to point at the acceptor's half.
  const table = w.seg + w.core.segBulkOffset(8, w.geometry.slotBytes, 16, w.geometry.halfBytes);
  const entry = table - ((2 * 16 * 16 + 63) & ~63) + (key & 0xff) * 16;
  w.view().setUint32(entry + 4, w.halfB - w.seg, true);
  assert.is(w.core.sesPoll(w.b), ERR_PROTO);
});

test('MEM-4: an RNDV descriptor registered MEM_WRITE only cannot be read', () => {
  const w = openWire();
  const rnic = w.core.sesRnic(w.a);
  const key = w.core.memRegister(rnic, w.halfA, 20000, MEM_WRITE, 1);
  assert.ok(key > 0);
  w.forge(w.a, 108, SES_MSG_RNDV, [10100, key]);
  assert.is(w.core.sesPoll(w.b), ERR_PROTO);
  const v = openWire();
  const readable = v.core.memRegister(v.core.sesRnic(v.a), v.halfA, 20000, MEM_READ, 1);
  v.forge(v.a, 108, SES_MSG_RNDV, [10100, readable]);
  assert.is(v.core.sesPoll(v.b), SES_EV_RNDV_READ);
});

test('SES-9: a read-based RNDV hands back the peer registered bytes to copy once', () => {
  const w = openWire();
  const first = w.geometry.slotBytes - MSG_HEADER_BYTES - SES_RNDV_HEADER_BYTES;
  const key = w.core.sesSendRndv(w.a, w.halfA, 20000);
  assert.ok(key > 0);
  w.core.sesFlush(w.a);
  assert.is(w.core.sesPoll(w.b), SES_EV_RNDV_READ);
  assert.is(w.core.sesEvSource(w.b), w.halfA + first, 'the peer half itself, not a copy');
  assert.is(w.core.sesEvTotal(w.b) - w.core.sesEvLength(w.b), 20000 - first);
  const down = openWire();
  const downKey = down.core.sesSendRndv(down.a, down.halfA, 20000);
  assert.ok(downKey > 0);
  down.core.sesFlush(down.a);
  down.core.rnicDown(down.core.sesRnic(down.b));
  assert.is(down.core.sesPoll(down.b), ERR_PROTO, 'no read once the connection is down');
});

test('SES-1: each direction has a data ring and a control ring; a DONE travels on the control one', () => {
  const w = openWire();
  const { core, a, b, seg } = w;
  const dv = w.view();
  const word = (offset: number) => dv.getUint32(seg + offset, true);
  // The header names the four rings; each has its own tail (producer cursor).
  const tail = (ringOffset: number) => dv.getUint32(seg + ringOffset + RING_TAIL_OFFSET, true);
  const rings = {
    dataC2a: word(SEG_RING_C2A_OFFSET),
    dataA2c: word(SEG_RING_A2C_OFFSET),
    ctlC2a: word(SEG_CTL_C2A_OFFSET),
    ctlA2c: word(SEG_CTL_A2C_OFFSET),
  };
  assert.is(new Set(Object.values(rings)).size, 4, 'four distinct rings');
  const before = {
    dataC2a: tail(rings.dataC2a),
    dataA2c: tail(rings.dataA2c),
    ctlC2a: tail(rings.ctlC2a),
  };
  const key = core.sesSendRndv(b, w.halfB, 20000);
  assert.ok(key > 0);
  core.sesFlush(b);
  assert.is(tail(rings.dataA2c), before.dataA2c + 1, 'the RNDV went on the data ring a→c');
  assert.is(core.sesPoll(a), SES_EV_RNDV_READ);
  assert.is(core.sesSendDone(a, key, core.sesEvTotal(a) - core.sesEvLength(a)), 0);
  core.sesFlush(a);
  assert.is(tail(rings.ctlC2a), before.ctlC2a + 1, 'the DONE went on the control ring c→a');
  assert.is(tail(rings.dataC2a), before.dataC2a, 'and nothing on the data ring c→a');
  assert.is(core.sesPollControl(b), SES_EV_SEND_DONE, 'read from the control ring alone');
});

test('SES-9: a closed sender counts the read-based sends its peer has not finished, until their DONEs', () => {
  const w = openWire();
  const { core, a, b } = w;
  assert.is(core.sesReadsAwaited(a), 0);
  const first = core.sesSendRndv(a, w.halfA, 20000);
  const second = core.sesSendRndv(a, w.halfA + 32768, 20000);
  assert.ok(first > 0 && second > 0);
  core.sesFlush(a);
  assert.is(core.sesReadsAwaited(a), 2, 'both announced, neither pulled');
  assert.is(core.sesPoll(b), SES_EV_RNDV_READ);
  assert.is(core.sesSendDone(b, first, core.sesEvTotal(b) - core.sesEvLength(b)), 0);
  core.sesFlush(b);
  assert.is(core.sesReadsAwaited(a), 1, 'the DONE that arrived was consumed');
  assert.is(core.ringFront(core.sesCtlRxRing(a)), ERR_AGAIN, 'and its slot taken');
  w.forge(b, 8, SES_MSG_DONE, [second, 1], true);
  assert.is(core.sesReadsAwaited(a), ERR_PROTO, 'a DONE of the wrong length is a violation');
});

test('SES-9: a write-based receiver refuses a descriptor it did not ask for', () => {
  const w = openWire(true, 0);
  w.forge(w.a, 100, SES_MSG_RNDV, [1000, 0x100]);
  assert.is(w.core.sesPoll(w.b), ERR_PROTO);
});

test('CLS-3: the peer RESET flag is seen even with a full ring', () => {
  const w = openWire();
  for (let i = 0; i < 8; i++) w.forge(w.a, 4, SES_MSG_DATA);
  w.core.sesReset(w.a);
  assert.is(w.core.sesPoll(w.b), SES_EV_RST);
});

test('SES-1: a segment header that differs from the expected geometry is refused', () => {
  for (const offset of [SEG_MAGIC_OFFSET, SEG_BULK_BYTES_OFFSET]) {
    const w = openWire();
    const { capacity, slotBytes, entries, halfBytes } = w.geometry;
    w.view().setUint32(w.seg + offset, 12345, true);
    const ses = w.pc.allocRegion(4096);
    const status = w.core.sesInit(ses, w.seg, 0, capacity, slotBytes, entries, halfBytes, 1);
    assert.is(status, ERR_PROTO);
  }
});

test('SES-4: no credit, no send (the ring reserve enforces the peer posted buffers)', () => {
  const w = openWire();
  for (let i = 0; i < 8; i++) {
    assert.ok(w.core.sesDataSlot(w.a) > 0);
    w.core.sesDataCommit(w.a, 1);
  }
  assert.is(w.core.sesDataSlot(w.a), ERR_AGAIN);
  assert.is(w.core.sesDataCommit(w.a, 0), ERR_INVAL);
});

test.run();
