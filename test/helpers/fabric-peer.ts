// The other process of the native fabric tests (`fabric-peer.ts serve {}`): listens on
// 127.0.0.1 through libfabric's tcp provider and prints {"port"}. A request whose private
// data is "reject" is rejected with "SANF:no"; any other is accepted with its 1 MiB region's
// key and address ("key:address") as private data, which the client may RDMA into. Each
// accepted endpoint echoes every message it receives. Talks to the raw shim only.
import { ProcessCore } from '../../src/wasm/process-core.js';
import { OP_RECV, OP_SEND } from '../../src/wasm/layout.generated.js';
import { loadFabric } from '../../src/providers/fabric/native.js';
import { FabricDomain } from '../../src/providers/fabric/domain.js';
import type { FabricEvent } from '../../src/native/addon.js';

// Whatever happens to the parent, this process goes away.
setTimeout(() => process.exit(3), 60_000).unref();

const REGION_BYTES = 1 << 20;
const MESSAGE_BYTES = 4096;
const RECEIVES = 4;

const load = loadFabric();
if (!load.addon) throw new Error(load.reason);
const addon = load.addon;
const pc = new ProcessCore();
const domain = new FabricDomain(addon, pc, 'tcp');
const base = pc.allocRegion(REGION_BYTES);
const region = addon.fabricRegister(
  domain.id,
  new Uint8Array(pc.memory.buffer),
  base,
  REGION_BYTES,
  3,
);
if (region < 0) throw new Error(`fabricRegister: ${region}`);
const listener = addon.fabricListen(domain.id, '127.0.0.1', 0);
if (listener < 0) throw new Error(`fabricListen: ${listener}`);

/** One accepted endpoint: RECEIVES posted receives, each echoed back then posted again. */
function serve(endpoint: number, slot: number): void {
  const sq = domain.submissionQueue(endpoint, 16);
  // Receive i lands at its own buffer; the echo is sent from there, then it is reposted.
  const buffer = (i: number): number => base + (slot * RECEIVES + i) * MESSAGE_BYTES;
  const tags: number[] = [];
  const client = {
    onEvent(event: FabricEvent): void {
      if (event.type === 'shutdown' || event.type === 'error') {
        addon.fabricClose(endpoint);
        domain.forget(endpoint);
        sq.close();
      }
    },
    onCompletion(completion: { userData: number; result: number; opcode: number }): void {
      const i = tags.indexOf(completion.userData);
      if (completion.result < 0 || i < 0) return;
      if (completion.opcode === OP_RECV)
        sq.push(OP_SEND, completion.result, tags[i] ?? 0, buffer(i), region);
      else sq.push(OP_RECV, MESSAGE_BYTES, tags[i] ?? 0, buffer(i), region);
      sq.submit();
    },
  };
  domain.attach(endpoint, client);
  for (let i = 0; i < RECEIVES; i++) {
    tags.push(domain.tag(client));
    sq.push(OP_RECV, MESSAGE_BYTES, tags[i] ?? 0, buffer(i), region);
  }
  sq.submit();
}

let accepted = 0;
domain.attach(listener, {
  onEvent(event: FabricEvent): void {
    if (event.type !== 'request') return;
    if (event.data.toString() === 'reject') {
      addon.fabricReject(listener, event.request, Buffer.from('SANF:no'));
      return;
    }
    const { key, address } = addon.fabricRegion(region);
    const endpoint = addon.fabricAccept(event.request, Buffer.from(`${key}:${address}`));
    if (endpoint > 0) serve(endpoint, accepted++ % 16);
  },
});
const name = addon.fabricName(listener);
if (typeof name === 'number') throw new Error(`fabricName: ${name}`);
console.log(JSON.stringify({ port: name.port, base }));
