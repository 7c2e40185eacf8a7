// Module hooks for the test watchdog (scripts/test-watchdog.mjs): rewrites uvu's runner as it
// loads so that it publishes the test it is running and the end of its run on globalThis.
// uvu has no reporter API; the two statements patched here are those of uvu 0.5.6, which
// package.json pins. Where they are missing the source loads unchanged and the watchdog
// names only the file.
const CURRENT = 'state.__test__ = test.name;';
const FINISHED = 'if (isNode) process.exitCode = code;';

/** Node's `load` hook: patches uvu's dist/index.mjs, passes every other module through. */
export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  if (!/\/uvu\/dist\/index\.mjs$/.test(url)) return result;
  const source = String(result.source);
  if (!source.includes(CURRENT) || !source.includes(FINISHED)) return result;
  const patched = source
    .replace(CURRENT, `${CURRENT} globalThis.__sanswitchTest?.(name, test.name);`)
    .replace(FINISHED, `${FINISHED} globalThis.__sanswitchFinished?.();`);
  return { ...result, source: patched };
}
