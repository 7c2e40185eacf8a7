// Suite `http-hello`: a node:http hello world and a keep-alive load generator with 10
// connections (bench/apps/), as unmodified apps in two processes: both under the preload
// (`--import sanswitch/register`, their connections over shm) against both plain (node:net
// TCP), alternating runs. Requests per second and request latency p50/p99 in microseconds.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Suite, SuiteContext } from '../suite.js';

const SUITE = 'http-hello';
const CONNECTIONS = 10;
const RUNS = 3;
const SECONDS = 5;
const WARMUP_SECONDS = 1;
const SERVER = fileURLToPath(new URL('../apps/http-hello-server.mjs', import.meta.url));
const LOAD = fileURLToPath(new URL('../apps/http-load.mjs', import.meta.url));
const PRELOAD = ['--import', 'sanswitch/register'];

interface LoadResult {
  reqsPerS: number;
  p50Us: number;
  p99Us: number;
  transports: Record<string, number>;
}

/** The last JSON line `args` prints before it exits (or its first, for a server: `first`). */
async function jsonLine(args: string[], first = false) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  if (first) {
    const [line] = (await once(lines, 'line')) as [string];
    return { child, value: JSON.parse(line) as Record<string, unknown> };
  }
  let last = '';
  lines.on('line', (line) => (last = line));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${SUITE}: ${args.join(' ')} exited with ${code}`);
  return { child, value: JSON.parse(last) as Record<string, unknown> };
}

async function measure(preload: string[], seconds: number): Promise<LoadResult> {
  const { child: server, value } = await jsonLine([...preload, SERVER], true);
  try {
    const args = [String(value.port), String(CONNECTIONS), String(seconds), String(WARMUP_SECONDS)];
    const { value: result } = await jsonLine([...preload, LOAD, ...args]);
    return result as unknown as LoadResult;
  } finally {
    server.kill('SIGTERM');
  }
}

function record(context: SuiteContext, subject: string, runs: LoadResult[]): void {
  const transport = [...new Set(runs.flatMap((r) => Object.keys(r.transports)))].join(', ');
  const base = { suite: SUITE, case: `${CONNECTIONS} conns`, subject, transport };
  context.collector.addRuns(
    { ...base, metric: 'reqs_per_s', unit: 'req/s' },
    runs.map((r) => r.reqsPerS),
  );
  context.collector.addRuns(
    { ...base, metric: 'rtt_p50_us', unit: 'us' },
    runs.map((r) => r.p50Us),
  );
  context.collector.addRuns(
    { ...base, metric: 'rtt_p99_us', unit: 'us' },
    runs.map((r) => r.p99Us),
  );
}

/** HTTP requests per second and latency, both ends under the preload vs both on node:net. */
export const httpHello: Suite = {
  name: SUITE,
  description: `node:http hello world, ${CONNECTIONS} keep-alive connections, ${SECONDS} s; under the preload vs node:net`,
  async run(context) {
    const seconds = context.quick ? 1 : SECONDS;
    const runs = context.quick ? 1 : RUNS;
    context.collector.setBaseline(SUITE, 'node-tcp');
    const switched: LoadResult[] = [];
    const plain: LoadResult[] = [];
    for (let run = 0; run < runs; run++) {
      switched.push(await measure(PRELOAD, seconds));
      plain.push(await measure([], seconds));
      context.log(
        `${SUITE} run ${run + 1}: preload ${switched.at(-1)!.reqsPerS.toFixed(0)} req/s, node:net ${plain.at(-1)!.reqsPerS.toFixed(0)} req/s`,
      );
    }
    record(context, 'sanswitch-preload', switched);
    record(context, 'node-tcp', plain);
  },
};
