// node:http runs unchanged over real shm connections (the default providers, no double):
// a sanswitch server feeds node:http, a node:http client connects through sanswitch.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { createServer, type Socket } from '../src/index.js';
import { closeServer, listen } from './helpers/san-double-harness.js';
import { httpGet } from './helpers/http-get.js';

test('node:http request and response both ways over shm, keep-alive off', async () => {
  const app = http.createServer((req, res) => {
    res.end(`hello ${req.url} via ${(req.socket as unknown as Socket).transport}`);
  });
  const server = createServer((socket) => app.emit('connection', socket));
  const port = await listen(server, 0, '127.0.0.1');
  try {
    const first = await httpGet(port, '/a');
    const second = await httpGet(port, '/b');
    assert.equal(first, { status: 200, body: 'hello /a via shm', transport: 'shm' });
    assert.equal(second, { status: 200, body: 'hello /b via shm', transport: 'shm' });
  } finally {
    app.close();
    await closeServer(server);
  }
});

test.run();
