// Errors shaped like Node's: argument validation codes, statusToError (the one place statuses
// become errors), and AbortSignal cancellation of a TCP connect.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connect, createServer, Socket, statusToError } from '../src/index.js';
import { nextError, within } from './helpers/san-double-harness.js';
import net from 'node:net';
import { once } from 'node:events';

const t = suite('errors and argument validation');

function codeOf(fn: () => unknown): [string | undefined, string | undefined] {
  try {
    fn();
  } catch (err) {
    return [(err as { code?: string }).code, (err as Error).constructor.name];
  }
  return [undefined, undefined];
}

t('bad ports get ERR_SOCKET_BAD_PORT (RangeError), as node:net does', () => {
  assert.equal(
    codeOf(() => connect({ port: 70000 })),
    ['ERR_SOCKET_BAD_PORT', 'RangeError'],
  );
  assert.equal(
    codeOf(() => connect({ port: -1 })),
    ['ERR_SOCKET_BAD_PORT', 'RangeError'],
  );
  assert.equal(
    codeOf(() => createServer().listen(1.5)),
    ['ERR_SOCKET_BAD_PORT', 'RangeError'],
  );
});

t('bad argument types get ERR_INVALID_ARG_TYPE (TypeError)', () => {
  assert.equal(
    codeOf(() => connect({ port: 80, signal: 'x' as never })),
    ['ERR_INVALID_ARG_TYPE', 'TypeError'],
  );
  assert.equal(
    codeOf(() => connect({ port: 80, host: 5 as never })),
    ['ERR_INVALID_ARG_TYPE', 'TypeError'],
  );
  assert.equal(
    codeOf(() => new Socket({ allowHalfOpen: 1 as never })),
    ['ERR_INVALID_ARG_TYPE', 'TypeError'],
  );
  assert.equal(
    codeOf(() => new Socket().setTimeout('1' as never)),
    ['ERR_INVALID_ARG_TYPE', 'TypeError'],
  );
  assert.equal(
    codeOf(() => createServer({ acceptFilter: 1 as never })),
    ['ERR_INVALID_ARG_TYPE', 'TypeError'],
  );
});

t('out-of-range numbers get ERR_OUT_OF_RANGE (RangeError); missing port ERR_MISSING_ARGS', () => {
  assert.equal(
    codeOf(() => new Socket().setTimeout(-1)),
    ['ERR_OUT_OF_RANGE', 'RangeError'],
  );
  assert.equal(
    codeOf(() => connect({ port: 80, timeout: Infinity })),
    ['ERR_OUT_OF_RANGE', 'RangeError'],
  );
  assert.equal(
    codeOf(() => connect({} as never)),
    ['ERR_MISSING_ARGS', 'TypeError'],
  );
});

t('statusToError turns negative errno statuses into Node-shaped errors', () => {
  const err = statusToError(-111, { syscall: 'connect', address: '10.0.0.1', port: 7 });
  assert.is(err.code, 'ECONNREFUSED');
  assert.is(err.errno, -111);
  assert.is(err.message, 'connect ECONNREFUSED 10.0.0.1:7');
  assert.is(statusToError(-11, { syscall: 'accept' }).code, 'EAGAIN');
  assert.is(statusToError(-71, { syscall: 'read' }).code, 'EPROTO');
  assert.is(statusToError(-95, { syscall: 'listen' }).code, 'EOPNOTSUPP');
  const unknown = statusToError(-9999, { syscall: 'x' });
  assert.equal([unknown.code, unknown.errno], ['UNKNOWN', -9999]);
  assert.equal(
    codeOf(() => statusToError(0, { syscall: 'x' })),
    ['ERR_OUT_OF_RANGE', 'RangeError'],
  );
});

t('AbortSignal: aborting a TCP connect destroys the socket with AbortError', async () => {
  const controller = new AbortController();
  const socket = connect({ port: 9, host: '192.0.2.1', signal: controller.signal });
  controller.abort();
  const err = (await nextError(socket)) as Error & { code?: string; cause?: unknown };
  assert.is(err.name, 'AbortError');
  assert.is(err.code, 'ABORT_ERR');
  assert.instance(err.cause, DOMException);
});

t(
  'options node:net takes as absent connect as node:net does (http.Agent, undici, address())',
  async () => {
    const server = createServer((s) => s.on('error', () => {}).resume());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address() as { address: string; family: string; port: number };
    const variants: object[] = [
      { port: address.port, host: '127.0.0.1', path: null },
      { port: address.port, host: '127.0.0.1', localAddress: null, localPort: null },
      { ...address, host: address.address },
      { port: address.port, host: null },
    ];
    for (const options of variants) {
      for (const make of [connect, net.connect] as ((o: object) => net.Socket)[]) {
        const socket = make(options);
        await within(2000, once(socket, 'connect'), `connect ${JSON.stringify(options)}`);
        socket.destroy();
      }
    }
    await new Promise((resolve) => server.close(resolve));
  },
);

t.run();
