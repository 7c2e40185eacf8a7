// A hostile peer scribbling seeded random bytes over its ring of a live segment: the victim
// conduit fails with EPROTO (and the process lives), while another pair keeps working.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openPair, once, write, readAll, closePair } from './helpers/session-pair.js';
import { SEG_HEADER_BYTES } from '../src/wasm/layout.generated.js';

const SEED = Number(process.env.FC_SEED ?? 0x5a5c0de);

test('hostile peer: random bytes over the ring reset that connection with EPROTO only', async () => {
  const victim = openPair();
  const bystander = openPair();
  await Promise.all([victim.ready, bystander.ready]);
  victim.acceptor.resume();
  const error = once<NodeJS.ErrnoException>(victim.acceptor, 'error');
  const peerReset = once<NodeJS.ErrnoException>(victim.connector, 'error');
  const { capacity, slotBytes } = victim.geometry;
  const bytes = new Uint8Array(victim.pc.memory.buffer);
  let state = SEED >>> 0;
  const start = victim.segment + SEG_HEADER_BYTES;
  for (let i = 0; i < 128 + capacity * slotBytes; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bytes[start + i] = state >>> 24;
  }
  victim.acceptor.wake();
  assert.is((await error).code, 'EPROTO');
  victim.connector.resume();
  assert.is((await peerReset).code, 'ECONNRESET', 'the victim resets the connection');
  const echoed = readAll(bystander.acceptor);
  await write(bystander.connector, Buffer.from('still here'));
  bystander.connector.end(() => {});
  assert.is((await echoed).toString(), 'still here');
  closePair(bystander);
});

test('SES-10: a write the bulk area cannot hold fails with ENOBUFS', async () => {
  const pair = openPair({ capacity: 8, slotBytes: 1024, entries: 4, halfBytes: 0 });
  await pair.ready;
  const err = await write(pair.connector, Buffer.alloc(5000)).then(
    () => null,
    (e: NodeJS.ErrnoException) => e,
  );
  assert.is(err?.code, 'ENOBUFS');
  closePair(pair);
});

test.run();
