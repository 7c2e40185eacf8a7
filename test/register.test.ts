// The preload (`sanswitch/register`, the package's built entry) on unmodified apps in real
// processes (test/apps/): node:http server and client, a CommonJS net app under -r, ESM named
// imports of node:net, NODE_OPTIONS, the scope variables, and a preloaded client talking to a
// plain node:net server. Each process also preloads report-transport.mjs, which prints the
// transport of every socket node:net's diagnostics channels announce.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PRELOAD, REPORT, run } from './helpers/preload-apps.js';

const t = suite('register: the preload on unmodified apps');

t('node:http server and client, unmodified, both under the preload, run over shm', async () => {
  const server = run([...PRELOAD, 'test/apps/http-hello.mjs'], { REQUESTS: '3' });
  // node:http loaded before the preload (as another preload may load it) keeps http.Agent's
  // own copy of createConnection: the preload replaces that too.
  const { port, listening } = await server.next();
  assert.is(listening, true, 'server.listening');
  const client = run(['-r', 'node:http', ...PRELOAD, 'test/apps/http-get.mjs', String(port), '3']);
  const ran = await client.done;
  assert.is(ran.code, 0);
  assert.equal(
    ran.lines.map((line) => line.body),
    ['hello /0', 'hello /1', 'hello /2'],
  );
  assert.equal(ran.reports, [{ side: 'client', transport: 'shm', fallbackReason: null }]);
  const served = await server.done;
  assert.is(served.code, 0, 'server.close() let the process exit');
  assert.equal(served.lines.at(-1), { closed: true, served: 3 });
  assert.equal(served.reports, [{ side: 'server', transport: 'shm', fallbackReason: null }]);
});

t('-r sanswitch/register switches a CommonJS app', async () => {
  const server = run(['-r', 'sanswitch/register', ...REPORT, 'test/apps/net-echo.cjs', 'server']);
  const { port } = await server.next();
  const client = run([
    '-r',
    'sanswitch/register',
    ...REPORT,
    'test/apps/net-echo.cjs',
    'client',
    String(port),
    'cjs',
  ]);
  const ran = await client.done;
  server.kill();
  assert.equal(ran.lines, [{ echo: 'cjs', isNetSocket: false }]);
  assert.equal(ran.reports, [{ side: 'client', transport: 'shm', fallbackReason: null }]);
});

t('ESM named imports of node:net are switched too; NODE_OPTIONS carries the preload', async () => {
  const ran = await run([...REPORT, 'test/apps/net-named.mjs'], {
    NODE_OPTIONS: '--import sanswitch/register',
  }).done;
  assert.equal(ran.lines, [{ echo: 'named' }]);
  const transports = ran.reports.map((r) => (r as { transport: string }).transport);
  assert.equal(transports.sort(), ['shm', 'shm']);
});

t('SANSWITCH_PRELOAD=off and a port list that leaves the port out keep node:net', async () => {
  for (const env of [{ SANSWITCH_PRELOAD: 'off' }, { SANSWITCH_PRELOAD_PORTS: '1-2' }]) {
    const ran = await run([...PRELOAD, 'test/apps/net-named.mjs'], env).done;
    assert.equal(ran.lines, [{ echo: 'named' }], JSON.stringify(env));
    const transports = ran.reports.map((r) => (r as { transport: string }).transport);
    assert.equal(transports, ['node:net', 'node:net'], JSON.stringify(env));
  }
});

t('https server and client, unmodified, run TLS over shm', async () => {
  const server = run([...PRELOAD, 'test/apps/https-hello.mjs']);
  const { port } = await server.next();
  const ran = await run([...PRELOAD, 'test/apps/https-get.mjs', String(port)]).done;
  assert.equal(ran.lines, [{ body: 'secure /tls', authorized: true }]);
  assert.equal(ran.reports, [{ side: 'client', transport: 'shm', fallbackReason: null }]);
  const served = await server.done;
  assert.is(served.code, 0);
  assert.equal(served.reports, [{ side: 'server', transport: 'shm', fallbackReason: null }]);
});

t('node:cluster: two workers share a port; preloaded clients get shm, plain ones TCP', async () => {
  const cluster = run([...PRELOAD, 'test/apps/cluster-hello.mjs']);
  try {
    const { port } = await cluster.next();
    const workers = new Set<unknown>();
    for (let i = 0; i < 3; i += 1) {
      const ran = await run([...PRELOAD, 'test/apps/http-get.mjs', String(port), '1']).done;
      assert.is(ran.code, 0);
      assert.equal(ran.reports, [{ side: 'client', transport: 'shm', fallbackReason: null }]);
    }
    for (let i = 0; i < 4; i += 1) {
      const ran = await run(['test/apps/http-get.mjs', String(port), '1']).done;
      assert.is(ran.code, 0, 'a plain client is served over TCP');
      workers.add(ran.lines[0]?.body);
    }
    assert.is(workers.size, 2, 'TCP still reaches both workers');
  } finally {
    cluster.kill();
  }
});

t('a preloaded client of a plain node:net server falls back to TCP and works', async () => {
  const server = run([...REPORT, 'test/apps/net-echo.cjs', 'server']);
  const { port } = await server.next();
  const ran = await run([...PRELOAD, 'test/apps/net-echo.cjs', 'client', String(port), 'plain'])
    .done;
  server.kill();
  assert.equal(ran.lines, [{ echo: 'plain', isNetSocket: false }]);
  const switched = { side: 'client', transport: 'tcp', fallbackReason: 'no-san-listener' };
  // Node 22 and later announce every Socket.connect(): the TCP provider's inner socket too
  // (README, "Not yet").
  const inner = { side: 'client', transport: 'node:net', fallbackReason: null };
  const major = Number(process.versions.node.split('.')[0]);
  assert.equal(ran.reports, major >= 22 ? [inner, switched] : [switched]);
});

t.run();
