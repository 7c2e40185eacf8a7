// `npm run bench -- --contend [N]`: the option's forms, and busy processes that really run
// beside the bench and are gone once it stops.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { parseBenchArgs } from '../bench/cli-args.js';
import { startContention } from '../bench/contention.js';

test('--contend takes a count, or one busy process per core when it has none', () => {
  assert.is(parseBenchArgs([]).contend, 0);
  assert.is(parseBenchArgs(['--contend', '3']).contend, 3);
  assert.is(parseBenchArgs(['--contend']).contend, availableParallelism());
  const before = parseBenchArgs(['--contend', '--quick']);
  assert.is(before.contend, availableParallelism());
  assert.is(before.quick, true);
  assert.throws(() => parseBenchArgs(['--contend', '-1']), TypeError);
  assert.throws(() => parseBenchArgs(['--contend', 'lots']), TypeError);
});

/** Whether the process is alive and not a zombie (its /proc state). */
function running(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

test('the busy processes spin while the bench runs and are killed when it stops', async () => {
  const contention = startContention(2);
  try {
    assert.is(contention.count, 2);
    assert.is(contention.pids.length, 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const pid of contention.pids) {
      const ticks = (): number => {
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return Number(fields[11]) + Number(fields[12]);
      };
      const first = ticks();
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.ok(ticks() > first, `process ${pid} uses CPU`);
    }
  } finally {
    contention.stop();
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (const pid of contention.pids) assert.not.ok(running(pid), `process ${pid} is gone`);
});

test.run();
