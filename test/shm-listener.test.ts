// The shm listener's set-up channels (issue 13, "a request is a request"): only a complete
// request occupies the backlog; channels that connect and say nothing wait on their own timer,
// at most MAX_ARRIVING of them, the oldest hung up on first. Real channels, in this process.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { once } from 'node:events';
import { setImmediate as turn } from 'node:timers/promises';
import { connect, createServer } from '../src/index.js';
import { addon, closeQuietly } from '../src/providers/shm/native.js';
import { MAX_ARRIVING } from '../src/providers/shm/listener.js';
import { endpointPath } from '../src/providers/shm/rendezvous.js';
import { closeServer, listen, within } from './helpers/san-double-harness.js';

const t = suite('shm listener: set-up channels');

/** Dials `count` channels to the endpoint that never send a request, letting it accept them. */
async function silentChannels(path: string, count: number): Promise<number[]> {
  const fds: number[] = [];
  while (fds.length < count) {
    const fd = addon().channelConnect(path);
    if (fd >= 0) fds.push(fd);
    else await turn();
  }
  await turn();
  return fds;
}

t(
  '600 silent channels cost 20 real clients nothing; the oldest silent ones are hung up on',
  async () => {
    const server = createServer((s) =>
      s
        .on('error', () => {})
        .resume()
        .end('served'),
    );
    const port = await listen(server, 0, '127.0.0.1');
    const silent = await within(5000, silentChannels(endpointPath('127.0.0.1', port), 600), 'dial');
    try {
      const clients = Array.from({ length: 20 }, () => connect(port, '127.0.0.1'));
      const outcomes = await within(
        5000,
        Promise.all(
          clients.map(
            (c) =>
              new Promise<string>((resolve) => {
                c.once('connect', () => resolve(c.transport ?? '?'));
                c.once('error', (err: Error & { code?: string }) => resolve(err.code ?? '?'));
              }),
          ),
        ),
      );
      assert.equal(outcomes, Array(20).fill('shm'));
      for (const c of clients) c.destroy();
      await turn();
      const hungUp = silent.filter((fd) => addon().channelRecv(fd, 16) === 0).length;
      assert.is(
        hungUp,
        silent.length - MAX_ARRIVING,
        'all but the newest MAX_ARRIVING were dropped',
      );
    } finally {
      for (const fd of silent) closeQuietly(fd);
    }
    await closeServer(server);
  },
);

t('silent channels do not count against a small backlog', async () => {
  const server = createServer((s) =>
    s
      .on('error', () => {})
      .resume()
      .end('served'),
  );
  const port = await listen(server, { port: 0, host: '127.0.0.1', backlog: 4 });
  const silent = await within(5000, silentChannels(endpointPath('127.0.0.1', port), 40), 'dial');
  try {
    for (let i = 0; i < 8; i += 1) {
      const client = connect(port, '127.0.0.1');
      await within(2000, once(client, 'connect'), `connect ${i}`);
      assert.is(client.transport, 'shm');
      client.destroy();
    }
  } finally {
    for (const fd of silent) closeQuietly(fd);
  }
  await closeServer(server);
});

t.run();
