// Two hosts on one machine: two network namespaces joined by a veth pair (addresses from the
// benchmark range 198.18.0.0/15, notes/libfabric.md). One sanswitch server in "host B" serves,
// on one listener and at once, a sanswitch client in host A over fabric (libfabric's tcp
// provider across the veth), a sanswitch client on its own host over shm, and a plain
// node:net client in host A over TCP. The test makes and deletes its own namespaces, and
// skips, saying why, where it is not root, `ip` is missing, or libfabric is not there.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fabricMissing } from '../src/providers/fabric/native.js';
import { killPeers, startPeer } from './helpers/shm-children.js';
import { within } from './helpers/san-double-harness.js';

const PEER = new URL('./helpers/shm-peer.ts', import.meta.url).pathname;
const suffix = `${process.pid % 100000}`;
const HOST_A = `ssa${suffix}`;
const HOST_B = `ssb${suffix}`;
const ADDRESS_A = '198.18.0.1';
const ADDRESS_B = '198.18.0.2';
const PORT = 41000 + (process.pid % 1000);

function ip(...args: string[]): { ok: boolean; output: string } {
  const run = spawnSync('ip', args, { encoding: 'utf8' });
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}`.trim() };
}

/** Why the test cannot run here, or null. */
function missing(): string | null {
  if (process.getuid?.() !== 0) return 'not root (network namespaces need CAP_SYS_ADMIN)';
  if (spawnSync('ip', ['-V']).status !== 0) return 'iproute2 (ip) is not installed';
  return fabricMissing();
}

function createHosts(): void {
  const steps: string[][] = [
    ['netns', 'add', HOST_A],
    ['netns', 'add', HOST_B],
    ['link', 'add', `va${suffix}`, 'type', 'veth', 'peer', 'name', `vb${suffix}`],
    ['link', 'set', `va${suffix}`, 'netns', HOST_A],
    ['link', 'set', `vb${suffix}`, 'netns', HOST_B],
    ['-n', HOST_A, 'addr', 'add', `${ADDRESS_A}/24`, 'dev', `va${suffix}`],
    ['-n', HOST_B, 'addr', 'add', `${ADDRESS_B}/24`, 'dev', `vb${suffix}`],
    ['-n', HOST_A, 'link', 'set', `va${suffix}`, 'up'],
    ['-n', HOST_B, 'link', 'set', `vb${suffix}`, 'up'],
    ['-n', HOST_A, 'link', 'set', 'lo', 'up'],
    ['-n', HOST_B, 'link', 'set', 'lo', 'up'],
  ];
  for (const step of steps) {
    const { ok, output } = ip(...step);
    if (!ok) throw new Error(`ip ${step.join(' ')}: ${output}`);
  }
}

function deleteHosts(): void {
  // Deleting a namespace deletes the veth end inside it, and with it the other end.
  ip('netns', 'del', HOST_A);
  ip('netns', 'del', HOST_B);
}

const why = missing();
if (why) console.log(`  skipped: ${why}`);
const run = why ? test.skip : test;

test.after(() => {
  killPeers();
  if (!why) deleteHosts();
});

run(
  'one listener in host B serves host A over fabric, its own host over shm and a plain client over TCP',
  async () => {
    createHosts();
    const inA = ['ip', 'netns', 'exec', HOST_A];
    const inB = ['ip', 'netns', 'exec', HOST_B];
    const { peer: server, first } = await startPeer<{ port: number; transports: string[] }>(
      'echo-server',
      { host: ADDRESS_B, port: PORT, report: true },
      PEER,
      inB,
    );
    assert.equal(first.transports, ['tcp', 'shm', 'fabric']);
    const target = { host: ADDRESS_B, port: PORT };
    const dials = await Promise.all([
      startPeer<{ transport: string; echo: string }>('dial', target, PEER, inA),
      startPeer<{ transport: string; echo: string }>('dial', target, PEER, inB),
      startPeer<{ transport: string; echo: string }>('dial', { ...target, plain: true }, PEER, inA),
    ]);
    const [remote, local, plain] = dials.map(({ first: line }) => line);
    assert.is(remote?.transport, 'fabric', JSON.stringify(remote));
    assert.is(local?.transport, 'shm', JSON.stringify(local));
    assert.is(plain?.transport, 'tcp', JSON.stringify(plain));
    for (const line of [remote, local, plain]) assert.match(line?.echo ?? '', /^hello from \d+$/);
    const seen = await within(
      5000,
      Promise.all([server.next(), server.next(), server.next()]),
      'reports',
    );
    const transports = seen.map((line) => (line as { transport: string }).transport).sort();
    assert.equal(transports, ['fabric', 'shm', 'tcp']);
  },
);

test.run();
