// Cross-process shared memory end to end: a sealed segment handed over with SCM_RIGHTS,
// mapped by two processes at different offsets of their own WASM memories, carrying the
// core's message ring from a child producer to this process.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadNative } from '../src/native/addon.js';
import { ProcessCore } from '../src/wasm/process-core.js';
import { killChildren, startChild } from './helpers/native-children.js';
import { Bell, json, receive, sendJson } from './helpers/native-messages.js';
import { attach, consume, mapSegment, segmentGeometry } from './helpers/native-rings.js';

const { addon, reason } = loadNative();
const test = suite(`native ring across processes${addon ? '' : ` (skipped: ${reason})`}`);
const it = addon ? test : test.skip;

const MESSAGES = 100_000;
const SEED = 0x5eed1234;

it('a segment passed by SCM_RIGHTS carries 100,000 ring messages intact between two processes mapping it at different offsets', async () => {
  const native = addon!;
  const core = new ProcessCore();
  const { bytes } = segmentGeometry(core, native.constants.PAGE_BYTES, 1);
  const segment = native.segmentCreate(bytes);
  const ownBell = native.doorbellCreate();
  assert.ok(segment > 2 && ownBell > 2);
  const region = mapSegment(native, core, segment, bytes);
  core.core.ringFormat(region);
  const local = attach(core, region);
  const bell = new Bell(native, ownBell);
  const session = await startChild(native, 'producer');
  try {
    sendJson(native, session.accepted.fd, { bytes, count: MESSAGES, seed: SEED }, [
      segment,
      ownBell,
    ]);
    const started = performance.now();
    const checksum = await consume(core, local, bell, MESSAGES, 10_000);
    const elapsedMs = performance.now() - started;
    const done = json<{ checksum: number; rings: number; region: number }>(
      await receive(native, session.accepted.fd, 10_000),
    );
    assert.is(checksum, done.checksum, 'payload checksum');
    assert.is.not(done.region, region, 'the child maps the segment at another offset');
    console.log(
      `  ring: ${MESSAGES} messages in ${elapsedMs.toFixed(0)} ms, ${done.rings} doorbell rings, ${bell.wakes} wakes`,
    );
  } finally {
    bell.close();
    session.close();
    killChildren();
    native.unmapWindow(new Uint8Array(core.memory.buffer), region, bytes);
    native.closeFd(segment);
    native.closeFd(ownBell);
  }
});

test.run();
