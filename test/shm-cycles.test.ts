// Sequential connect/close cycles between two real processes leave nothing behind (issue 13):
// the client (this process) connects to an echo server (shm-peer.ts), sends 1 byte, reads it
// back and closes, over and over; the descriptors, memory mappings and RSS of both processes
// are read from /proc after a warm-up and at the end. 2,000 cycles in `npm test`;
// `SANSWITCH_CYCLES=20000 node --import tsx test/shm-cycles.test.ts` is the long check.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from '../src/index.js';
import { killPeers, startPeer } from './helpers/shm-children.js';

const CYCLES = Number(process.env.SANSWITCH_CYCLES ?? 2000);
/** Cycles before the first reading: pools, caches and the JIT settle first. */
const WARM_UP = 200;

interface Reading {
  fds: number;
  maps: number;
  rssKiB: number;
}

function read(pid: number): Reading {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    fds: readdirSync(`/proc/${pid}/fd`).length,
    maps: readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n').length - 1,
    rssKiB: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0),
  };
}

async function cycle(port: number): Promise<string | null> {
  const socket = connect({ port, host: '127.0.0.1' });
  await once(socket, 'connect');
  const transport = socket.transport;
  socket.write('x');
  await once(socket, 'data');
  const closed = once(socket, 'close');
  socket.end();
  socket.resume();
  await closed;
  return transport;
}

test(`CON: ${CYCLES} connect/close cycles leave descriptors, mappings and RSS flat in both processes`, async () => {
  const { peer, first } = await startPeer('echo-server');
  const server = peer.child.pid as number;
  const transports = new Map<string, number>();
  const count = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i += 1) {
      const transport = String(await cycle(first.port));
      transports.set(transport, (transports.get(transport) ?? 0) + 1);
    }
  };
  await count(WARM_UP);
  // The server closes its side a moment after the client saw `close`.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const warm = { client: read(process.pid), server: read(server) };
  const started = performance.now();
  await count(CYCLES - WARM_UP);
  const seconds = (performance.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 200));
  const end = { client: read(process.pid), server: read(server) };
  const line = (side: 'client' | 'server') =>
    `${side}: fds ${warm[side].fds} → ${end[side].fds}, mappings ${warm[side].maps} → ` +
    `${end[side].maps}, RSS ${warm[side].rssKiB} → ${end[side].rssKiB} KiB`;
  console.log(
    `  ${CYCLES} cycles (${((CYCLES - WARM_UP) / seconds).toFixed(0)}/s after warm-up); ` +
      `${line('client')}; ${line('server')}`,
  );
  assert.equal([...transports], [['shm', CYCLES]], 'every cycle over shm');
  for (const side of ['client', 'server'] as const) {
    assert.ok(end[side].fds <= warm[side].fds + 2, `${side} descriptors: ${line(side)}`);
    // V8 maps and unmaps heap pages as it goes: a few dozen either way is its noise, one
    // per connection (a segment or a stack left mapped) is a leak.
    assert.ok(end[side].maps <= warm[side].maps + 64, `${side} mappings: ${line(side)}`);
    assert.ok(end[side].rssKiB <= warm[side].rssKiB + 64 * 1024, `${side} RSS: ${line(side)}`);
  }
  killPeers();
});

test.run();
