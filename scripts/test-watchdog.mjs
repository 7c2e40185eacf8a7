// Preloaded into every test file's process by scripts/run-tests.mjs. A file that runs past
// its time limit, or whose process is still alive after its tests finished, is stopped here
// with a report on stderr: the file, the test that was running, and the handles that keep
// the event loop alive. So a hanging test fails the run and names itself; it never hangs it.
import { register } from 'node:module';

const FILE = process.env.SANSWITCH_TEST_FILE ?? process.argv[1] ?? '?';
/** Time a whole file may take, in ms (the runner passes it; default 120 s). */
const LIMIT_MS = Number(process.env.SANSWITCH_TEST_LIMIT_MS ?? 120_000);
/** Time a file's process may stay alive after its last test, in ms. */
const EXIT_GRACE_MS = 3000;

register('./test-hooks.mjs', import.meta.url);

let current = '(before the first test)';
globalThis.__sanswitchTest = (suite, test) => {
  current = suite ? `${suite} › ${test}` : test;
};

function handles() {
  const kinds = process.getActiveResourcesInfo().filter((kind) => kind !== 'TTYWrap');
  return kinds.length > 0 ? kinds.join(', ') : 'none';
}

function stop(why) {
  process.stderr.write(`\nWATCHDOG ${FILE}: ${why}\n  open handles: ${handles()}\n`);
  process.exit(1);
}

setTimeout(() => stop(`still running after ${LIMIT_MS} ms, in "${current}"`), LIMIT_MS).unref();

globalThis.__sanswitchFinished = () => {
  const code = process.exitCode;
  setTimeout(() => {
    process.exitCode = code;
    stop(`tests finished but the process did not exit within ${EXIT_GRACE_MS} ms`);
  }, EXIT_GRACE_MS).unref();
};
