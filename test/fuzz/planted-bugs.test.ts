// The fuzzer's oracles can fail: each test compiles the core with one planted bug (a source
// patch applied to the compiler's input only) and expects a short fuzz run to find it. When
// a patched line changes in assembly/, update its `from` text here (the build says which).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { buildCoverageCore, counterRange, type SourcePatch } from './coverage.js';
import { inputArbitrary } from './fuzz-loop.js';
import { FuzzTarget } from './target.js';

const SEED = 0xb06;
const RUNS = 3000;

async function findsBug(patch: SourcePatch): Promise<string> {
  const build = await buildCoverageCore([patch]);
  const target = new FuzzTarget(build.module, (core) => [counterRange(core)]);
  const details = fc.check(
    fc.property(inputArbitrary, (bytes) => target.run(bytes)),
    { seed: SEED, numRuns: RUNS },
  );
  assert.ok(details.failed, `${RUNS} programs did not notice: ${patch.to}`);
  return String((details.errorInstance as Error).message);
}

test('FUZZ-ORACLE: msgRead copying one byte past the message is a write outside the destination', async () => {
  const message = await findsBug({
    file: 'assembly/msg-ring.ts',
    from: 'memory.copy(dst, <u32>slot + MSG_HEADER_BYTES, <u32>length);',
    to: 'memory.copy(dst, <u32>slot + MSG_HEADER_BYTES, <u32>length + 1);',
  });
  assert.match(message, /outside the writable ranges/);
});

test('FUZZ-ORACLE: a producer that reserves one slot too many disagrees with the model', async () => {
  const message = await findsBug({
    file: 'assembly/ring.ts',
    from: 'if (cursor - <u32>head > mask) return ERR_AGAIN;',
    to: 'if (cursor - <u32>head > mask + 1) return ERR_AGAIN;',
  });
  assert.match(message, /reserve|Push|msgWrite/);
});

test('FUZZ-ORACLE: accepting a tail one slot too far lets the consumer read an unreleased slot', async () => {
  const message = await findsBug({
    file: 'assembly/ring.ts',
    from: 'if (fresh - tail > capacity - (tail - released)) return ERR_PROTO;',
    to: 'if (fresh - tail > capacity + 1 - (tail - released)) return ERR_PROTO;',
  });
  assert.match(message, /past the released head/, message);
});

test.run();
