// Bulk throughput of a SessionConduit pair in one process (doorbell: setImmediate double)
// against node:net TCP loopback in the same run: TOTAL bytes in 64 KiB writes, and the
// session geometry/threshold alternatives. Usage: node --import tsx bench/session-throughput.ts [MiB]
import { createServer, connect, type AddressInfo } from 'node:net';
import { openPair, write } from '../test/helpers/session-pair.js';
import { DEFAULT_GEOMETRY, type SessionGeometry } from '../src/session/geometry.js';

const TOTAL = Number(process.argv[2] ?? 1024) * 1024 * 1024;
const CHUNK = 64 * 1024;
const chunk = Buffer.alloc(CHUNK, 0x61);

async function session(
  geometry: SessionGeometry,
  threshold?: number,
  rdmaRead = true,
): Promise<number> {
  const pair = openPair(geometry, { threshold, rdmaRead }, { rdmaRead });
  await pair.ready;
  let received = 0;
  const done = new Promise<void>((resolve) => {
    pair.acceptor.on('data', (data: Buffer) => {
      received += data.length;
      if (received >= TOTAL) resolve();
    });
  });
  pair.acceptor.resume();
  const start = performance.now();
  for (let sent = 0; sent < TOTAL; sent += CHUNK) {
    if (sent % (CHUNK * 64) === 0) await write(pair.connector, chunk);
    else pair.connector.write(chunk, () => {});
  }
  await done;
  const seconds = (performance.now() - start) / 1000;
  pair.connector.destroy();
  pair.acceptor.destroy();
  return TOTAL / seconds / 2 ** 30;
}

async function tcp(): Promise<number> {
  let resolveDone: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const server = createServer((socket) => {
    let received = 0;
    socket.on('data', (data) => {
      received += data.length;
      if (received >= TOTAL) resolveDone();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await new Promise((resolve) => client.once('connect', resolve));
  const start = performance.now();
  for (let sent = 0; sent < TOTAL; sent += CHUNK) {
    if (!client.write(chunk)) await new Promise((resolve) => client.once('drain', resolve));
  }
  await done;
  const seconds = (performance.now() - start) / 1000;
  client.destroy();
  server.close();
  return TOTAL / seconds / 2 ** 30;
}

const large: SessionGeometry = {
  capacity: 32,
  slotBytes: 8192,
  entries: 16,
  halfBytes: 512 * 1024,
};
const cases: [string, () => Promise<number>][] = [
  ['tcp loopback (node:net)', tcp],
  ['session default (0.75 MiB, read-based rndv)', () => session(DEFAULT_GEOMETRY)],
  ['session default, write-based rndv', () => session(DEFAULT_GEOMETRY, undefined, false)],
  ['session default, bcopy only (threshold 64 KiB)', () => session(DEFAULT_GEOMETRY, CHUNK)],
  ['session large (1.5 MiB)', () => session(large)],
  [
    'session 32 x 64 KiB slots, bcopy (4 MiB)',
    () => session({ capacity: 32, slotBytes: 65536 + 64, entries: 16, halfBytes: 0 }, CHUNK),
  ],
];
console.log(`${TOTAL / 2 ** 20} MiB in ${CHUNK / 1024} KiB writes, one process`);
for (const [name, run] of cases) {
  const results: number[] = [];
  for (let i = 0; i < 3; i++) results.push(await run());
  results.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(48)} median ${results[1]!.toFixed(2)} GiB/s  (${results.map((r) => r.toFixed(2)).join(', ')})`,
  );
}
