// Many connects at once (issue 13): a burst of 2,000 simultaneous connects from one process to
// a server with node:net's default backlog all connect over shm, as they all connect over
// node:net. Client and server run in processes of their own whose descriptor limit is raised
// to the hard limit first (`ulimit -n`), as a user would; a hard limit too low to hold 2,000
// connections skips the test and says so.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const t = suite('shm: connects in bursts');

const CLIENT = fileURLToPath(new URL('./helpers/burst-client.ts', import.meta.url));
const COUNT = 2000;
/** Descriptors each side needs: three per shm connection (channel, two doorbells), and room. */
const NEEDED_FDS = COUNT * 3 + 256;

const hardLimit = execFileSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
const limitOk = hardLimit === 'unlimited' || Number(hardLimit) >= NEEDED_FDS;

function runClient(): Promise<{ ms: number; outcomes: Record<string, number> }> {
  const node = [process.execPath, '--import', 'tsx', CLIENT, String(COUNT)];
  const script = `ulimit -n "$(ulimit -Hn)" && exec "$@"`;
  return new Promise((resolve, reject) => {
    execFile('sh', ['-c', script, 'sh', ...node], { timeout: 30_000 }, (err, stdout) => {
      if (err) reject(err);
      else resolve(JSON.parse(stdout) as { ms: number; outcomes: Record<string, number> });
    });
  });
}

t(
  '2,000 simultaneous connects to a server with the default backlog all connect over shm',
  async () => {
    if (!limitOk) {
      console.log(`  skipped: the descriptor hard limit ${hardLimit} is under ${NEEDED_FDS}`);
      return;
    }
    const { ms, outcomes } = await runClient();
    console.log(`  ${COUNT} connects in ${ms.toFixed(0)} ms: ${JSON.stringify(outcomes)}`);
    assert.equal(outcomes, { shm: COUNT });
  },
);

t.run();
