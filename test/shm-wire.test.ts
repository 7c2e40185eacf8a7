// The shm provider's set-up messages, fed as bytes (ws-style): a REQUEST and an ANSWER round
// trip, and every malformed field of a peer's message (version, ports, addresses, the bulk
// half it asks for, lengths) is refused as a protocol violation (null).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  decodeAnswer,
  decodeRequest,
  encodeAnswer,
  encodeRequest,
  SETUP_VERSION,
  type SetupAnswer,
} from '../src/providers/shm/wire.js';

const REQUEST = {
  localAddress: '127.0.0.1',
  localPort: 40000,
  remoteAddress: '::1',
  remotePort: 7000,
  halfBytes: 256 * 1024,
};

test('set-up: REQUEST and every ANSWER round trip', () => {
  assert.equal(decodeRequest(encodeRequest(REQUEST)), REQUEST);
  const answers: SetupAnswer[] = [
    { verdict: 'accept', segmentBytes: 4096 },
    { verdict: 'reject' },
    { verdict: 'decline', reason: 'no-memory' },
    { verdict: 'decline', reason: 'no-descriptors' },
    { verdict: 'decline', reason: 'peer-limit' },
  ];
  for (const answer of answers) assert.equal(decodeAnswer(encodeAnswer(answer)), answer);
});

test('set-up: a peer REQUEST with a bad field is refused', () => {
  const good = encodeRequest(REQUEST);
  const patched = (at: number, value: number): Uint8Array => {
    const bytes = Uint8Array.from(good);
    new DataView(bytes.buffer).setUint32(at, value >>> 0, true);
    return bytes;
  };
  assert.is(decodeRequest(patched(4, SETUP_VERSION - 1)), null, 'an older version');
  assert.is(decodeRequest(patched(8, 70000)), null, 'a port past 65535');
  for (const half of [0, 1000, 64 * 1024 - 64, 64 * 1024 + 1, 128 << 20]) {
    assert.is(decodeRequest(patched(16, half)), null, `bulk half ${half}`);
  }
  assert.ok(decodeRequest(patched(16, 64 << 20)), 'the largest bulk half');
  assert.is(decodeRequest(good.subarray(0, good.length - 1)), null, 'cut short');
  assert.is(decodeRequest(Uint8Array.of(...good, 0)), null, 'a byte too many');
  const badAddress = Uint8Array.from(good);
  badAddress[21] = 'x'.charCodeAt(0);
  assert.is(decodeRequest(badAddress), null, 'an address that is not an IP');
});

test('set-up: a peer ANSWER with a bad field is refused', () => {
  const answer = (verdict: number, bytes: number): Uint8Array => {
    const out = Uint8Array.from(encodeAnswer({ verdict: 'accept', segmentBytes: 4096 }));
    const view = new DataView(out.buffer);
    view.setUint32(8, verdict, true);
    view.setUint32(12, bytes, true);
    return out;
  };
  assert.is(decodeAnswer(answer(1, 0)), null, 'an ACCEPT without a segment');
  assert.is(decodeAnswer(answer(2, 4096)), null, 'a REJECT with a segment');
  assert.is(decodeAnswer(answer(3, 0)), null, 'a DECLINE without a reason');
  assert.is(decodeAnswer(answer(3, 4)), null, 'a DECLINE with an unknown reason');
  assert.is(decodeAnswer(answer(4, 4096)), null, 'an unknown verdict');
  assert.is(decodeAnswer(new Uint8Array(15)), null, 'too short');
});

test.run();
