// The shim's libfabric backend, for real: libfabric's tcp provider between this process and
// a peer process on 127.0.0.1 (test/helpers/fabric-peer.ts). Connection management with
// private data both ways, reject and "nothing listens", SEND/RECV and RDMA WRITE/READ into the
// peer's WebAssembly memory, the shim's checks on registrations and work requests, a wrong
// key, a killed peer, and what loading libfabric does to the signal handlers. Skips, saying
// why, where the shim was built without libfabric.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import { loadNative, type FabricEvent } from '../src/native/addon.js';
import { loadFabric, type FabricAddon } from '../src/providers/fabric/native.js';
import { FabricDomain } from '../src/providers/fabric/domain.js';
import type { FabricCompletion } from '../src/providers/fabric/queues.js';
import { ProcessCore } from '../src/wasm/process-core.js';
import { OP_RDMA_READ, OP_RDMA_WRITE, OP_RECV, OP_SEND } from '../src/wasm/layout.generated.js';
import { killPeers, startPeer } from './helpers/shm-children.js';

const PEER = fileURLToPath(new URL('./helpers/fabric-peer.ts', import.meta.url));
const ECONNREFUSED = -111;
const EINVAL = -22;

const load = loadFabric();
if (!load.addon) console.log(`  skipped: ${load.reason}`);
const addon = load.addon as FabricAddon;
const run = load.addon ? test : test.skip;

const pc = new ProcessCore();
const REGION_BYTES = 1 << 20;
let domain: FabricDomain;
let base: number;
let region: number;

test.before(() => {
  if (!load.addon) return;
  domain = new FabricDomain(addon, pc, 'tcp');
  base = pc.allocRegion(REGION_BYTES);
  region = addon.fabricRegister(domain.id, new Uint8Array(pc.memory.buffer), base, REGION_BYTES, 3);
});
test.after(() => {
  domain?.close();
  killPeers();
});

const view = (): Uint8Array => new Uint8Array(pc.memory.buffer);

/** An endpoint's events and completions, as promises. */
class Endpoint {
  readonly id: number;
  readonly events: FabricEvent[] = [];
  readonly completions: FabricCompletion[] = [];
  #wake: (() => void) | undefined;
  readonly client = {
    onEvent: (event: FabricEvent) => this.#push(this.events, event),
    onCompletion: (completion: FabricCompletion) => this.#push(this.completions, completion),
  };

  constructor(id: number) {
    this.id = id;
    domain.attach(id, this.client);
  }

  #push<T>(list: T[], item: T): void {
    list.push(item);
    this.#wake?.();
  }

  /** Resolves with the first item of `list` that `match` accepts (it is removed). */
  async take<T>(list: T[], match: (item: T) => boolean, ms = 5000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const index = list.findIndex(match);
      if (index >= 0) return list.splice(index, 1)[0] as T;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`endpoint ${this.id}: nothing matching in ${ms} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  close(): void {
    domain.forget(this.id);
    addon.fabricClose(this.id);
  }
}

async function connect(
  port: number,
  data: string,
): Promise<{ endpoint: Endpoint; event: FabricEvent }> {
  const id = addon.fabricConnect(domain.id, '127.0.0.1', port, Buffer.from(data));
  assert.ok(id > 0, `fabricConnect: ${id}`);
  const endpoint = new Endpoint(id);
  const event = await endpoint.take(
    endpoint.events,
    (e) => e.type === 'connected' || e.type === 'error',
  );
  return { endpoint, event };
}

/** Parses the peer's accept data "key:address" into its region. */
function peerRegion(event: FabricEvent): { key: bigint; address: bigint } {
  const [key, address] = event.data.toString().split(':');
  return { key: BigInt(key ?? '0'), address: BigInt(address ?? '0') };
}

/** Sends `text` from offset `at` of this side's region and waits for the peer's echo. */
async function echo(endpoint: Endpoint, text: string, at: number): Promise<string> {
  const sq = domain.submissionQueue(endpoint.id, 16);
  const bytes = Buffer.from(text);
  view().set(bytes, base + at);
  const receive = domain.tag(endpoint.client);
  const send = domain.tag(endpoint.client);
  sq.push(OP_RECV, 4096, receive, base + at + 4096, region);
  sq.push(OP_SEND, bytes.length, send, base + at, region);
  assert.is(sq.submit(), 2);
  const got = await endpoint.take(endpoint.completions, (c) => c.userData === receive);
  sq.close();
  assert.is(got.opcode, OP_RECV);
  return Buffer.from(view().subarray(base + at + 4096, base + at + 4096 + got.result)).toString();
}

run(
  'the shim loads libfabric with every signal handler left in place, and WASM traps still throw',
  () => {
    const probe = addon.fabricProbe('tcp');
    assert.ok(probe.loaded);
    assert.is(probe.replaced, null, `handlers replaced by libfabric: ${probe.replaced}`);
    assert.match(probe.version ?? '', /^1\.\d+$/);
    assert.ok(probe.providers.some((p) => p.provider === 'tcp' && p.address === '127.0.0.1'));
    assert.is(process.env.IPATH_NO_BACKTRACE, '1');
    // The memory of a one-page module read out of bounds: V8's handler must turn it into a throw.
    const module = new WebAssembly.Module(
      new Uint8Array([
        0, 97, 115, 109, 1, 0, 0, 0, 1, 6, 1, 96, 1, 127, 1, 127, 3, 2, 1, 0, 5, 3, 1, 0, 1, 7, 5,
        1, 1, 102, 0, 0, 10, 9, 1, 7, 0, 32, 0, 40, 2, 0, 11,
      ]),
    );
    const read = new WebAssembly.Instance(module).exports.f as (at: number) => number;
    assert.throws(
      () => read(1 << 20),
      (err: Error) => err instanceof WebAssembly.RuntimeError,
    );
  },
);

run(
  'connect and accept carry private data both ways; messages cross into the peer process',
  async () => {
    const { first } = await startPeer<{ port: number }>('serve', {}, PEER);
    const { endpoint, event } = await connect(first.port, 'hello');
    assert.is(event.type, 'connected');
    assert.match(event.data.toString(), /^\d+:\d+$/);
    assert.is(await echo(endpoint, 'over libfabric', 0), 'over libfabric');
    const peer = addon.fabricName(endpoint.id, true);
    assert.equal(peer, { address: '127.0.0.1', port: first.port });
    endpoint.close();
  },
);

run("RDMA WRITE lands in the peer process's WASM memory and RDMA READ brings it back", async () => {
  const { first } = await startPeer<{ port: number }>('serve', {}, PEER);
  const { endpoint, event } = await connect(first.port, 'rdma');
  const remote = peerRegion(event);
  assert.is(addon.fabricRemote(endpoint.id, 0, remote.key, remote.address, REGION_BYTES), 0);
  const sq = domain.submissionQueue(endpoint.id, 16);
  const payload = Buffer.alloc(256 * 1024, 0).map((_, i) => (i * 7) & 0xff);
  view().set(payload, base + 65536);
  const write = domain.tag(endpoint.client);
  const read = domain.tag(endpoint.client);
  // Far from the peer's receive buffers (its first 64 KiB).
  sq.push(OP_RDMA_WRITE, payload.length, write, base + 65536, region, 512 * 1024, 0);
  sq.push(OP_RDMA_READ, payload.length, read, base + 400 * 1024, region, 512 * 1024, 0);
  assert.is(sq.submit(), 2);
  const wrote = await endpoint.take(endpoint.completions, (c) => c.userData === write);
  const got = await endpoint.take(endpoint.completions, (c) => c.userData === read);
  assert.equal(
    [wrote.opcode, wrote.result >= 0, got.opcode, got.result >= 0],
    [OP_RDMA_WRITE, true, OP_RDMA_READ, true],
  );
  assert.ok(
    Buffer.from(view().subarray(base + 400 * 1024, base + 400 * 1024 + payload.length)).equals(
      payload,
    ),
  );
  sq.close();
  endpoint.close();
});

run(
  "a reject carries the listener's tagged data; nothing listening is ECONNREFUSED without data",
  async () => {
    const { first } = await startPeer<{ port: number }>('serve', {}, PEER);
    const rejected = await connect(first.port, 'reject');
    assert.equal(
      [rejected.event.type, rejected.event.error, rejected.event.data.toString()],
      ['error', ECONNREFUSED, 'SANF:no'],
    );
    rejected.endpoint.close();
    // A port this process listened on and gave back: nothing listens there now.
    const listener = addon.fabricListen(domain.id, '127.0.0.1', 0);
    const name = addon.fabricName(listener);
    addon.fabricClose(listener);
    assert.type(name, 'object');
    const nobody = await connect((name as { port: number }).port, 'x');
    assert.equal(
      [nobody.event.type, nobody.event.error, nobody.event.data.length],
      ['error', ECONNREFUSED, 0],
    );
    nobody.endpoint.close();
  },
);

run(
  'registrations must lie inside the memory; a work request outside its region is refused',
  async () => {
    const memory = view();
    assert.throws(
      () => addon.fabricRegister(domain.id, memory, memory.length - 4096, 8192, 0),
      (err: Error & { code?: string }) =>
        err.code === 'ERR_OUT_OF_RANGE' && /byteLength/.test(err.message),
    );
    const { first } = await startPeer<{ port: number }>('serve', {}, PEER);
    const { endpoint } = await connect(first.port, 'bounds');
    const sq = domain.submissionQueue(endpoint.id, 16);
    sq.push(OP_SEND, 8192, domain.tag(endpoint.client), base + REGION_BYTES - 4096, region);
    assert.is(sq.submit(), EINVAL);
    sq.close();
    endpoint.close();
  },
);

run('a wrong key tears down that connection only; the peer serves the next one', async () => {
  const { first } = await startPeer<{ port: number }>('serve', {}, PEER);
  const { endpoint, event } = await connect(first.port, 'bad-key');
  const remote = peerRegion(event);
  addon.fabricRemote(endpoint.id, 1, remote.key ^ 0x5555n, remote.address, REGION_BYTES);
  const sq = domain.submissionQueue(endpoint.id, 16);
  sq.push(OP_RDMA_WRITE, 64, domain.tag(endpoint.client), base, region, 512 * 1024, 1);
  assert.is(sq.submit(), 1);
  const down = await endpoint.take(
    endpoint.events,
    (e) => e.type === 'shutdown' || e.type === 'error',
  );
  assert.ok(down, 'the connection went down');
  sq.close();
  endpoint.close();
  const next = await connect(first.port, 'after');
  assert.is(await echo(next.endpoint, 'still serving', 8192), 'still serving');
  next.endpoint.close();
});

run('a killed peer is noticed while the completion queue is polled', async () => {
  const { peer, first } = await startPeer<{ port: number }>('serve', {}, PEER);
  const { endpoint } = await connect(first.port, 'kill');
  const sq = domain.submissionQueue(endpoint.id, 16);
  const receive = domain.tag(endpoint.client);
  sq.push(OP_RECV, 4096, receive, base + 32768, region);
  sq.submit();
  peer.child.kill('SIGKILL');
  const down = await endpoint.take(
    endpoint.events,
    (e) => e.type === 'shutdown' || e.type === 'error',
    10_000,
  );
  assert.ok(down.type === 'shutdown' || down.error < 0);
  sq.close();
  endpoint.close();
});

test('the probe says why where libfabric is absent', () => {
  const { addon: native } = loadNative();
  assert.ok(native, 'the native shim loads here');
  const probe = native.fabricProbe();
  assert.ok(probe.loaded || typeof probe.error === 'string', JSON.stringify(probe));
});

test.run();
