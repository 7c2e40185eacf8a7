// node:http runs unchanged over sanswitch sockets on TCP, in both directions (the shm
// provider is stepped aside so that every connection takes TCP; test/http-shm.test.ts runs
// node:http over real shm).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { createServer, type Socket } from '../src/index.js';
import {
  closeServer,
  listen,
  within,
  restoreDefaults,
  stepAsideDefaults,
} from './helpers/san-double-harness.js';
import { httpGet as get } from './helpers/http-get.js';

const t = suite('http over sanswitch');
t.before(stepAsideDefaults);
t.after(restoreDefaults);

async function viaSanswitchServer(transport: string): Promise<void> {
  const app = http.createServer((req, res) => {
    res.end(`hello ${req.url} via ${(req.socket as unknown as Socket).transport}`);
  });
  const server = createServer((socket) => app.emit('connection', socket));
  const port = await listen(server, 0);
  const first = await get(port, '/a');
  const second = await get(port, '/b');
  assert.is(first.status, 200);
  assert.is(first.transport, transport);
  assert.is(first.body, `hello /a via ${first.transport}`);
  assert.is(second.body, `hello /b via ${second.transport}`);
  app.close();
  await closeServer(server);
}

t(
  'http.request({ createConnection }) reaches a plain node:http server over a sanswitch socket',
  async () => {
    const app = http.createServer((req, res) => res.end(`plain ${req.method} ${req.url}`));
    const port = await listen(app as never, 0, '127.0.0.1');
    const res = await get(port, '/x');
    assert.equal(res, { status: 200, body: 'plain GET /x', transport: 'tcp' });
    await new Promise((r) => app.close(r));
  },
);

t(
  'http.createServer() fed sanswitch sockets via emit("connection") serves node:http clients',
  async () => {
    const app = http.createServer((req, res) => res.end(`served ${req.url}`));
    const server = createServer((socket) => app.emit('connection', socket));
    const port = await listen(server, 0, '127.0.0.1');
    const body = await within(
      3000,
      new Promise<string>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: '/y', agent: false }, (res) => {
            let data = '';
            res.on('data', (d) => (data += d));
            res.on('end', () => resolve(data));
          })
          .on('error', reject);
      }),
    );
    assert.is(body, 'served /y');
    app.close();
    await closeServer(server);
  },
);

t('http runs both ends over sanswitch sockets on TCP', () => viaSanswitchServer('tcp'));

t.run();
