// Faults against a sanswitch server over fabric (libfabric's tcp provider on 127.0.0.1; the
// server, shm-peer.ts, keeps only fabric registered): hostile private data, a foreign service
// on the SAN port, and a peer that scribbles over the server's image or uses a wrong key. Each
// hostile connection is refused or reset alone; the server goes on serving. Skips, saying
// why, where libfabric is not there.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import net from 'node:net';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { connect, createFabricProvider, registry, type Socket } from '../src/index.js';
import { fabricMissing, loadFabric, type FabricAddon } from '../src/providers/fabric/native.js';
import { FabricDomain } from '../src/providers/fabric/domain.js';
import { FabricImage } from '../src/providers/fabric/image.js';
import { DEFAULT_PORT_OFFSET, sanPort } from '../src/providers/fabric/index.js';
import { decodeAccept, decodeReject, encodeConnect } from '../src/providers/fabric/wire.js';
import { DEFAULT_GEOMETRY } from '../src/session/geometry.js';
import { processCore } from '../src/wasm/process-core.js';
import { OP_RDMA_WRITE, OP_RECV, OP_SEND } from '../src/wasm/layout.generated.js';
import type { FabricEvent } from '../src/native/addon.js';
import { killPeers, startPeer } from './helpers/shm-children.js';
import { within } from './helpers/san-double-harness.js';

process.env.SANSWITCH_FABRIC_LOOPBACK = '1';
for (const provider of registry.list()) registry.unregister(provider.id);
registry.register(createFabricProvider({ loopback: true }));

const missing = fabricMissing();
if (missing) console.log(`  skipped: ${missing}`);
const run = missing ? test.skip : test;
let domain: FabricDomain | undefined;

test.after(() => {
  domain?.close();
  killPeers();
});

function raw(): { addon: FabricAddon; domain: FabricDomain } {
  const addon = loadFabric().addon as FabricAddon;
  domain ??= new FabricDomain(addon, processCore(), 'tcp');
  return { addon, domain };
}

/** Connects by hand with `data`; resolves with the first event of the attempt. */
function rawConnect(port: number, data: Uint8Array): Promise<{ id: number; event: FabricEvent }> {
  const { addon, domain: d } = raw();
  const id = addon.fabricConnect(d.id, '127.0.0.1', sanPort(port, DEFAULT_PORT_OFFSET), data);
  assert.ok(id > 0, `fabricConnect: ${id}`);
  return within(
    5000,
    new Promise((resolve) => d.attach(id, { onEvent: (event) => resolve({ id, event }) })),
    'the connect event',
  );
}

async function echoes(port: number): Promise<Socket> {
  const socket = connect({ port, host: '127.0.0.1', sanConnectTimeout: 5000 });
  await within(8000, once(socket, 'connect'), 'connect');
  socket.write('still serving');
  const [chunk] = await within(5000, once(socket, 'data'), 'echo');
  assert.is(String(chunk), 'still serving');
  return socket;
}

run(
  'private data that is not a CONNECT of ours gets a tagged REJECT; the next client is served',
  async () => {
    const { first } = await startPeer('echo-server', { only: 'fabric' });
    for (const data of [randomBytes(40), Buffer.alloc(0), randomBytes(55)]) {
      const { id, event } = await rawConnect(first.port, data);
      assert.is(event.type, 'error');
      assert.is(decodeReject(event.data), 'protocol');
      raw().domain.forget(id);
      raw().addon.fabricClose(id);
    }
    const socket = await echoes(first.port);
    assert.is(socket.transport, 'fabric');
    socket.destroy();
  },
);

run('a foreign service on the SAN port: the client goes on over TCP', async () => {
  const plain = net.createServer((socket) => socket.pipe(socket));
  plain.listen(0, '127.0.0.1');
  await once(plain, 'listening');
  const { port } = plain.address() as net.AddressInfo;
  // One foreign service hangs up at once, the other never answers.
  for (const behaviour of ['hang up', 'silent'] as const) {
    const foreign = net.createServer((socket) => {
      if (behaviour === 'hang up') socket.destroy();
    });
    foreign.listen(sanPort(port, DEFAULT_PORT_OFFSET), '127.0.0.1');
    await once(foreign, 'listening');
    const socket = connect({ port, host: '127.0.0.1', sanConnectTimeout: 800 });
    await within(5000, once(socket, 'connect'), 'connect');
    assert.is(socket.transport, 'tcp', behaviour);
    assert.ok(
      ['no-san-listener', 'san-timeout'].includes(socket.fallbackReason ?? ''),
      `${behaviour}: ${socket.fallbackReason}`,
    );
    socket.destroy();
    foreign.close();
  }
  plain.close();
});

run(
  'a peer that scribbles over the server image, or writes with a wrong key, loses only its own connection',
  async () => {
    const { peer, first } = await startPeer('echo-server', { only: 'fabric' });
    const { addon, domain: d } = raw();
    const own = new FabricImage(d, DEFAULT_GEOMETRY);
    const tags: number[] = [];
    for (const wrongKey of [false, true]) {
      const { id, event } = await rawConnect(first.port, encodeConnect(own.offer()));
      assert.is(event.type, 'connected');
      const server = decodeAccept(event.data);
      assert.ok(server, 'an ACCEPT of ours');
      // Either end may notice first: a shutdown event, or a receive that fails as the
      // connection goes (libfabric's tcp provider watches a connection that has one posted).
      const down = new Promise<string>((resolve) => {
        const client = {
          onEvent: (e: FabricEvent) => e.type !== 'connected' && resolve(e.type),
          onCompletion: (c: { result: number }) => c.result < 0 && resolve('error'),
        };
        d.attach(id, client);
        tags.push(d.tag(client));
      });
      const key = wrongKey ? server.key ^ 0x1234n : server.key;
      addon.fabricRemote(id, 0, key, server.address, server.bytes);
      // Random bytes over the server's whole image (header, rings, table, flags), then a wake-up.
      const noise = randomBytes(own.bytes);
      new Uint8Array(d.pc.memory.buffer).set(noise, own.address);
      const sq = d.submissionQueue(id, 32);
      const tag = tags[tags.length - 1] ?? 0;
      for (let i = 0; i < 8; i++) sq.push(OP_RECV, 64, tag, own.notify + 64, own.region);
      sq.push(OP_RDMA_WRITE, own.bytes, tag, own.address, own.region, 0, 0);
      sq.push(OP_SEND, 4, tag, own.notify, own.region);
      sq.submit();
      // The server resets that connection (EPROTO) or libfabric tears it down (a wrong key).
      assert.ok(
        ['shutdown', 'error'].includes(await within(5000, down, 'the hostile connection ends')),
      );
      sq.close();
      d.forget(id);
      addon.fabricClose(id);
    }
    own.release();
    assert.is(peer.child.exitCode, null, 'the server process is alive');
    const socket = await echoes(first.port);
    assert.is(socket.transport, 'fabric');
    socket.destroy();
  },
);

test.run();
