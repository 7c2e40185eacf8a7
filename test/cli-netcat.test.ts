// `sanswitch listen` and `sanswitch connect` as real processes on loopback: data flows both
// ways with half-close on stdin's end, the transport is printed on stderr, failures exit 1,
// and bad command lines exit 2 with a message naming the problem.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createServer, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { runCli, startCli, waitForStderr } from './helpers/cli-process.js';

const TRANSPORT_LINE = /over (shm|tcp \(fallback: [a-z-]+\))\n/;

test('listen and connect relay stdin to the peer both ways and exit 0 once both ended', async () => {
  const listener = startCli(['listen', '0', '127.0.0.1']);
  try {
    const [, port] = await waitForStderr(listener, /listening on 127\.0\.0\.1:(\d+) \(tcp[^)]*\)/);
    const fromListener = 'from the listener\n'.repeat(1000);
    listener.child.stdin!.end(fromListener);
    const fromConnector = 'from the connector\n'.repeat(3000);
    const connector = await runCli(['connect', '127.0.0.1', port!], { input: fromConnector });
    const listened = await listener.done;
    assert.is(connector.code, 0, connector.stderr);
    assert.is(listened.code, 0, listened.stderr);
    assert.is(connector.stdout, fromListener);
    assert.is(listened.stdout, fromConnector);
    assert.match(connector.stderr, new RegExp(`connected to 127\\.0\\.0\\.1:${port} over`));
    assert.match(connector.stderr, TRANSPORT_LINE);
    assert.match(listened.stderr, /connection from 127\.0\.0\.1:\d+ over/);
    assert.match(listened.stderr, TRANSPORT_LINE);
  } finally {
    listener.child.kill('SIGKILL');
  }
});

test('connect to a plain node:net server runs over TCP and says why (half-close kept)', async () => {
  // An echo server that answers only after the client's end: it needs the half-close.
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => socket.end(Buffer.concat(chunks).toString().toUpperCase()));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const outcome = await runCli(['connect', '127.0.0.1', String(port)], { input: 'ping\n' });
    assert.is(outcome.code, 0, outcome.stderr);
    assert.is(outcome.stdout, 'PING\n');
    assert.match(outcome.stderr, /connected to 127\.0\.0\.1:\d+ over tcp \(fallback: [a-z-]+\)\n/);
  } finally {
    server.close();
  }
});

test('connect to a port nobody listens on exits 1 with ECONNREFUSED', async () => {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  const outcome = await runCli(['connect', '127.0.0.1', String(port)]);
  assert.is(outcome.code, 1);
  assert.match(outcome.stderr, /sanswitch: connect ECONNREFUSED 127\.0\.0\.1:\d+/);
});

test('bad command lines exit 2 with a message and the usage line', async () => {
  const cases: [string[], RegExp][] = [
    [['listen'], /sanswitch listen: missing PORT\nusage: sanswitch listen PORT \[HOST\]/],
    [['listen', '70000'], /invalid port '70000': expected a number from 0 to 65535/],
    [['connect', '127.0.0.1'], /sanswitch connect: missing PORT/],
    [['connect', 'localhost', 'http'], /invalid port 'http': expected a number from 1 to 65535/],
    [['connect', 'localhost', '0'], /invalid port '0'/],
    [['connect', 'a', '1', 'b'], /unexpected argument 'b'/],
    [['listen', '--bogus', '1'], /Unknown option '--bogus'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [[], /usage: sanswitch COMMAND/],
  ];
  const outcomes = await Promise.all(cases.map(([args]) => runCli(args)));
  outcomes.forEach((outcome, index) => {
    const [args, message] = cases[index]!;
    assert.is(outcome.code, 2, args.join(' '));
    assert.match(outcome.stderr, message);
    assert.is(outcome.stdout, '');
  });
});

test('--help of the command and of each subcommand prints its usage and exits 0', async () => {
  const names = ['doctor', 'bench', 'listen', 'connect'];
  const outcomes = await Promise.all([
    runCli(['--help']),
    ...names.map((name) => runCli([name, '--help'])),
  ]);
  assert.is(outcomes[0]!.code, 0);
  for (const name of names) assert.match(outcomes[0]!.stdout, `  ${name} `);
  names.forEach((name, index) => {
    const outcome = outcomes[index + 1]!;
    assert.is(outcome.code, 0, name);
    assert.match(outcome.stdout, `usage: sanswitch ${name}`);
  });
});

test.run();
