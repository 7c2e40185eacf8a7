// The HTTP suite's load generator (`http-load.mjs PORT CONNECTIONS SECONDS WARMUP_SECONDS`): a
// keep-alive node:http Agent with CONNECTIONS sockets, one request in flight on each, for
// SECONDS after WARMUP_SECONDS; prints one JSON line: requests per second, latency p50/p99 in
// microseconds, and the transports its sockets ran over (`socket.transport`, node:net when
// absent).
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const [port, connections, seconds, warmup] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const transports = new Map();
const latencies = [];
let measuring = false;
let running = true;

function request() {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
      res.resume();
      res.on('end', () => {
        if (measuring) latencies.push(Number(process.hrtime.bigint() - started) / 1000);
        resolve();
      });
    });
    req.on('socket', (socket) => {
      if (socket.sanswitchCounted) return;
      socket.sanswitchCounted = true;
      const name = () => socket.transport ?? 'node:net';
      const count = () => transports.set(name(), (transports.get(name()) ?? 0) + 1);
      if (socket.transport !== undefined && socket.transport !== null) count();
      else socket.once('connect', count);
    });
    req.on('error', reject);
  });
}

async function loop() {
  while (running) await request();
}

const loops = Array.from({ length: connections }, loop);
await new Promise((resolve) => setTimeout(resolve, warmup * 1000));
measuring = true;
const started = performance.now();
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
measuring = false;
const elapsed = (performance.now() - started) / 1000;
running = false;
await Promise.all(loops);
agent.destroy();
latencies.sort((a, b) => a - b);
const at = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
console.log(
  JSON.stringify({
    reqsPerS: latencies.length / elapsed,
    p50Us: at(0.5),
    p99Us: at(0.99),
    transports: Object.fromEntries(transports),
  }),
);
