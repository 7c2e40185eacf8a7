// Replays every input in test/fuzz/corpus/ through the fuzz target on the release core: the
// curated seeds (wrap-around, full ring, hostile lengths and cursors, attach probes) and every
// saved finding, which fails here until the bug it found is fixed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadCorpus } from './corpus.js';
import { FuzzTarget } from './target.js';
import { SessionFuzzTarget } from './session-target.js';
import { SESSION_CORPUS_PREFIX } from './fuzz-loop.js';

const rings = new FuzzTarget();
const session = new SessionFuzzTarget();
const corpus = loadCorpus();

test('FUZZ-CORPUS: the curated seed corpus is present', () => {
  assert.ok(corpus.filter((file) => file.name.startsWith('seed-')).length >= 5);
});

for (const { name, entry, bytes } of corpus) {
  test(`FUZZ-CORPUS: ${name} passes every oracle (${entry.description.slice(0, 60)})`, () => {
    (name.startsWith(SESSION_CORPUS_PREFIX) ? session : rings).run(bytes);
  });
}

test.run();
