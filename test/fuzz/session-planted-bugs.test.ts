// The session target's oracles can fail: each test compiles the core with one planted bug in
// the session protocol or the soft RNIC (a source patch applied to the compiler's input
// only) and expects a short fixed-seed run of the session target to find it: through the
// reference model (wrong event fields or bytes, data accepted where the model refuses it)
// or through the safety oracles that stay after a hostile write. When a patched line
// changes in assembly/, update its `from` text here (the build says which).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { buildCoverageCore, counterRange, type SourcePatch } from './coverage.js';
import { inputArbitrary } from './fuzz-loop.js';
import { SessionFuzzTarget } from './session-target.js';

const SEED = 0xb06;
const RUNS = 3000;

async function findsBug(patch: SourcePatch): Promise<string> {
  const build = await buildCoverageCore([patch]);
  const target = new SessionFuzzTarget(build.module, (core) => [counterRange(core)]);
  // No shrinking: session programs shrink slowly, and the first failure names the step.
  const details = fc.check(
    fc.property(inputArbitrary, (bytes) => target.run(bytes)),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
  assert.ok(details.failed, `${RUNS} programs did not notice: ${patch.to || patch.from}`);
  return String((details.errorInstance as Error).message);
}

test('FUZZ-ORACLE: an RNIC that trusts the bounds of the peer’s table entry reads or writes outside its half', async () => {
  const message = await findsBug({
    file: 'assembly/shm/rnic.ts',
    from: 'if (start < half || <u64>start + <u64>bytes > <u64>half + <u64>load<u32>(rnic + R_HALF_BYTES)) {',
    to: 'if (false) {',
  });
  assert.match(message, /outside the peer half|outside the writable ranges|trapped/, message);
});

test('FUZZ-ORACLE: an RNIC that lets a work request run past the registered region', async () => {
  const message = await findsBug({
    file: 'assembly/shm/rnic.ts',
    from: 'if (<u64>offset + <u64>length > <u64>bytes) return ERR_PROTO;',
    to: '',
  });
  assert.match(message, /want -71|outside the peer's region|outside the writable ranges/, message);
});

test('FUZZ-SES: a DATA event pointing 4 bytes into the payload disagrees with the model', async () => {
  const message = await findsBug({
    file: 'assembly/session/recv.ts',
    from: 'event(ses, body, length, 0, length);',
    to: 'event(ses, body + 4, length, 0, length);',
  });
  assert.match(message, /DATA of \d+ B: event addr is \d+, want \d+/, message);
});

test('FUZZ-SES: stream data accepted after FIN is refused by the model', async () => {
  const message = await findsBug({
    file: 'assembly/session/recv.ts',
    from: 'if (S.hasState(ses, S.S_FIN_RECEIVED)) return false;',
    to: '',
  });
  assert.match(message, /(DATA|RNDV|FIN) .*: got \d+, want -71/, message);
});

test.run();
