// Real apps and their real clients (npm's express 5, fastify 5, undici 7, ws 8, autocannon and
// ioredis, Debian's redis-server), unmodified, in two processes: each pair runs under the
// preload and must run over shm on both ends; a preloaded client of a server that is not
// sanswitch's (redis-server) falls back to TCP and works. The apps are in test/apps/.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { PRELOAD, run } from './helpers/preload-apps.js';

const t = suite('register: real apps and clients, unmodified');
const SHM = { transport: 'shm', fallbackReason: null };
const client = (count: number) => Array.from({ length: count }, () => ({ side: 'client', ...SHM }));
const server = (count: number) => Array.from({ length: count }, () => ({ side: 'server', ...SHM }));

t('express with undici fetch: both ends over shm', async () => {
  const app = run([...PRELOAD, 'test/apps/express-hello.mjs'], { REQUESTS: '3' });
  const { port } = await app.next();
  const ran = await run([...PRELOAD, 'test/apps/undici-fetch.mjs', String(port), '3']).done;
  assert.is(ran.code, 0);
  assert.equal(
    ran.lines.map((line) => line.body),
    ['u0', 'u1', 'u2'].map((name) => `express says hello to ${name}`),
  );
  // undici opens a second connection after the first response, over node:net too.
  const connections = ran.reports.length;
  assert.ok(connections >= 1);
  assert.equal(ran.reports, client(connections));
  const served = await app.done;
  assert.equal(served.lines.at(-1), { closed: true, served: 3 });
  assert.equal(served.reports, server(connections));
});

t('fastify with http.get through the global agent: both ends over shm', async () => {
  const app = run([...PRELOAD, 'test/apps/fastify-hello.mjs'], { REQUESTS: '3' });
  const { port } = await app.next();
  const ran = await run([...PRELOAD, 'test/apps/http-get.mjs', String(port), '3']).done;
  assert.is(ran.code, 0);
  assert.equal(
    ran.lines.map((line) => JSON.parse(line.body as string)),
    [{ hello: '0' }, { hello: '1' }, { hello: '2' }],
  );
  assert.equal(ran.reports, client(1));
  const served = await app.done;
  assert.is(served.code, 0);
  assert.equal(served.lines.at(-1), { closed: true, served: 3 });
  assert.equal(served.reports, server(1));
});

t('a ws echo server and a ws client: messages up to 256 KiB echoed over shm', async () => {
  const echo = run([...PRELOAD, 'test/apps/ws-echo.mjs', 'server']);
  const { port } = await echo.next();
  const ran = await run([...PRELOAD, 'test/apps/ws-echo.mjs', 'client', String(port), '6']).done;
  assert.is(ran.code, 0);
  const sizes = [1, 16, 256, 4096, 65536, 262144];
  assert.equal(
    ran.lines,
    sizes.map((bytes) => ({ bytes, same: true })),
  );
  assert.equal(ran.reports, client(1));
  const served = await echo.done;
  assert.is(served.code, 0, 'the server closed once its client left');
  assert.equal(served.reports, server(1));
});

t('autocannon against a node:http server: 10 connections, every request over shm', async () => {
  const app = run([...PRELOAD, 'test/apps/http-hello.mjs'], { REQUESTS: String(1e12) });
  try {
    const { port } = await app.next();
    const autocannon = 'node_modules/autocannon/autocannon.js';
    const args = ['-c', '10', '-d', '1', '--json', `http://127.0.0.1:${port}/`];
    const ran = await run([...PRELOAD, autocannon, ...args]).done;
    assert.is(ran.code, 0);
    const result = ran.lines[0] as { errors: number; non2xx: number; '2xx': number };
    assert.is(result.errors, 0);
    assert.is(result.non2xx, 0);
    assert.ok(result['2xx'] > 100, `${result['2xx']} requests answered`);
    assert.equal(ran.reports, client(10));
  } finally {
    app.kill();
  }
  const served = await app.done;
  assert.equal(served.reports, server(10));
});

/** A free TCP port on loopback (the kernel's choice, released at once). */
async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, 'close');
  return port;
}

async function startRedis(port: number): Promise<ChildProcess> {
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${log}`)), 5000);
    redis.stdout?.on('data', (chunk: Buffer) => {
      log += chunk;
      if (/Ready to accept connections/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    });
    redis.once('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${log}`)));
  });
  return redis;
}

const hasRedis = spawnSync('redis-server', ['--version']).status === 0;

t('ioredis under the preload against redis-server (not sanswitch) falls back to TCP', async () => {
  if (!hasRedis) {
    console.log('  skipped: redis-server is not installed (.ci/run installs Debian redis-server)');
    return;
  }
  const port = await freePort();
  const redis = await startRedis(port);
  try {
    const ran = await run([...PRELOAD, 'test/apps/ioredis-ping.mjs', String(port)]).done;
    assert.is(ran.code, 0);
    assert.equal(ran.lines, [{ pong: 'PONG', value: 'switched' }]);
    const switched = ran.reports.filter((r) => (r as { transport: string }).transport === 'tcp');
    assert.equal(switched, [
      { side: 'client', transport: 'tcp', fallbackReason: 'no-san-listener' },
    ]);
  } finally {
    redis.kill('SIGKILL');
  }
});

t.run();
