// The command line's argument rules: ports are whole numbers in range, positionals are
// counted, unknown options are refused, each with a UsageError (exit status 2 in main.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseCommandArgs, parsePort, UsageError } from '../src/cli/args.js';

test('parsePort accepts 1..65535, and 0 only where a free port may be asked for', () => {
  assert.is(parsePort('1', false), 1);
  assert.is(parsePort('65535', false), 65535);
  assert.is(parsePort('0', true), 0);
  for (const bad of ['0', '65536', '-1', '80.5', '0x50', ' 80', '', 'http', '1e3']) {
    assert.throws(
      () => parsePort(bad, false),
      (error: Error) => error instanceof UsageError,
      bad,
    );
  }
  assert.throws(() => parsePort('65536', true), /from 0 to 65535/);
});

test('parseCommandArgs counts positionals and names the missing ones', () => {
  const spec = { min: 2, max: 2, names: 'HOST PORT' };
  assert.equal(parseCommandArgs(['h', '1'], {}, spec).positionals, ['h', '1']);
  assert.throws(() => parseCommandArgs([], {}, spec), /missing HOST PORT/);
  assert.throws(() => parseCommandArgs(['h'], {}, spec), /missing PORT/);
  assert.throws(() => parseCommandArgs(['h', '1', 'x'], {}, spec), /unexpected argument 'x'/);
});

test('parseCommandArgs refuses unknown options and accepts --help without positionals', () => {
  const spec = { min: 1, max: 1, names: 'PORT' };
  assert.throws(() => parseCommandArgs(['--frob', '1'], {}, spec), /Unknown option '--frob'/);
  assert.is(parseCommandArgs(['--help'], {}, spec).values.help, true);
  assert.is(parseCommandArgs(['-h'], {}, spec).values.help, true);
  const json = parseCommandArgs(['--json'], { json: { type: 'boolean' } }, { ...spec, min: 0 });
  assert.is(json.values.json, true);
});

test.run();
