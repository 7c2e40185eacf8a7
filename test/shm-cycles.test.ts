// Sequential connect/close cycles between two real processes leave nothing behind (issue 13):
// the client (this process) connects to an echo server (shm-peer.ts), sends 1 byte, reads it
// back and closes, over and over; the descriptors, memory mappings and RSS of both processes
// are read from /proc after a warm-up and at the end. 2,000 cycles in `npm test`;
// `SANSWITCH_CYCLES=20000 node --import tsx test/shm-cycles.test.ts` is the long check.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { connect } from '../src/index.js';
import { killPeers, startPeer } from './helpers/shm-children.js';

const CYCLES = Number(process.env.SANSWITCH_CYCLES ?? 2000);
/** Cycles before the first reading: pools, caches and the JIT settle first. */
const WARM_UP = 200;
/**
 * What V8 alone may add: Node 24's keeps the heap it grew (in 256 KiB mappings) after a full
 * collection, up to about 140 MiB in 20,000 cycles, with a live heap that stays at 10 MiB. A
 * leaked segment would be 776 KiB and a mapping per connection, far beyond either.
 */
const MAPS_SLACK = 640;
const RSS_SLACK_KIB = 192 * 1024;
/** Growth of this process's live JS heap after a full collection: a few bytes a connection. */
const HEAP_SLACK_BYTES = 16 * 1024 * 1024;

// This process collects before each reading, so that its figures show what it holds.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

interface Reading {
  fds: number;
  maps: number;
  rssKiB: number;
  /** This process only: the live JS heap after a full collection. */
  heapUsed?: number;
}

function read(pid: number): Reading {
  const own = pid === process.pid;
  if (own) collect();
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    ...(own ? { heapUsed: process.memoryUsage().heapUsed } : {}),
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
  try {
    await cycles(peer.child.pid as number, first.port);
  } finally {
    killPeers();
  }
});

async function cycles(server: number, port: number): Promise<void> {
  const transports = new Map<string, number>();
  const count = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i += 1) {
      const transport = String(await cycle(port));
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
    assert.ok(end[side].maps <= warm[side].maps + MAPS_SLACK, `${side} mappings: ${line(side)}`);
    assert.ok(end[side].rssKiB <= warm[side].rssKiB + RSS_SLACK_KIB, `${side} RSS: ${line(side)}`);
  }
  const heap = `live heap ${warm.client.heapUsed} → ${end.client.heapUsed} B`;
  console.log(`  client ${heap}`);
  assert.ok((end.client.heapUsed ?? 0) <= (warm.client.heapUsed ?? 0) + HEAP_SLACK_BYTES, heap);
}

test.run();
