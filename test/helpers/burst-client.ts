// The client process of shm-burst.test.ts (`burst-client.ts <count>`): starts an echo server
// in a child (shm-peer.ts, with this process's descriptor limit), then `count` sanswitch
// connects to it in one tick; prints one JSON line with how each ended ({ ms, outcomes:
// { 'shm': n, 'tcp:<reason>': n, '<error code>': n } }), and exits.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { connect, type Socket } from '../../src/index.js';

setTimeout(() => process.exit(3), 60_000).unref();

const PEER = fileURLToPath(new URL('./shm-peer.ts', import.meta.url));
const server = spawn(process.execPath, [...process.execArgv, PEER, 'echo-server'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
process.once('exit', () => server.kill('SIGKILL'));
const [line] = (await once(createInterface({ input: server.stdout }), 'line')) as [string];
const { port } = JSON.parse(line) as { port: number };
const count = Number(process.argv[2]);
const outcomes: Record<string, number> = {};
const count1 = (key: string): void => void (outcomes[key] = (outcomes[key] ?? 0) + 1);
const sockets: Socket[] = [];
const started = performance.now();

await Promise.all(
  Array.from(
    { length: count },
    () =>
      new Promise<void>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        sockets.push(socket);
        socket.once('connect', () => {
          const reason = socket.fallbackReason;
          count1(reason ? `${socket.transport}:${reason}` : (socket.transport ?? '?'));
          resolve();
        });
        socket.once('error', (err: Error & { code?: string }) => {
          count1(err.code ?? err.message);
          resolve();
        });
      }),
  ),
);
process.stdout.write(`${JSON.stringify({ ms: performance.now() - started, outcomes })}\n`);
for (const socket of sockets) socket.destroy();
process.exit(0);
