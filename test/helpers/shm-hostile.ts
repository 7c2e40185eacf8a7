// A hostile shm peer for the tests: connects to a listener by hand (the real rendezvous and
// set-up messages), maps the segment it is given, then overwrites the rings with seeded
// random bytes and rings the victim's doorbell, keeping its channel open meanwhile.
import { addon } from '../../src/providers/shm/native.js';
import { connectCandidates } from '../../src/providers/shm/rendezvous.js';
import { joinSegment } from '../../src/providers/shm/segment.js';
import { ACCEPT_FDS, decodeAnswer, encodeRequest } from '../../src/providers/shm/wire.js';
import { processCore } from '../../src/wasm/process-core.js';
import { DEFAULT_GEOMETRY } from '../../src/session/geometry.js';
import { SEG_HEADER_BYTES } from '../../src/wasm/layout.generated.js';

/** xorshift32: a seeded, reproducible byte source. */
function fill(bytes: Uint8Array, seed: number): void {
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
}

async function answer(fd: number): Promise<{ bytes: Uint8Array; fds: number[] }> {
  const native = addon();
  for (let i = 0; i < 500; i++) {
    const message = native.channelRecv(fd, 256, ACCEPT_FDS);
    if (typeof message === 'object') return message;
    if (message !== -11) throw new Error(`channelRecv: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('no answer');
}

/** Connects to 127.0.0.1:`port` over shm and scribbles over the segment; resolves when done. */
export async function scribble(port: number, seed: number): Promise<{ scribbled: number }> {
  const native = addon();
  const path = connectCandidates('127.0.0.1', port)[0] as string;
  const fd = native.channelConnect(path);
  if (fd < 0) throw new Error(`channelConnect: ${fd}`);
  const request = {
    localAddress: '127.0.0.1',
    localPort: 1,
    remoteAddress: '127.0.0.1',
    halfBytes: DEFAULT_GEOMETRY.halfBytes,
  };
  native.channelSend(fd, encodeRequest({ ...request, remotePort: port }));
  const message = await answer(fd);
  const decoded = decodeAnswer(message.bytes);
  if (decoded?.verdict !== 'accept') throw new Error('not accepted');
  const segment = joinSegment(message.fds, decoded.segmentBytes, DEFAULT_GEOMETRY);
  const view = new Uint8Array(
    processCore().memory.buffer,
    segment.address + SEG_HEADER_BYTES,
    segment.bytes - SEG_HEADER_BYTES,
  );
  fill(view, seed);
  native.doorbellRing(segment.peerBell);
  // The channel (fd) stays open: the victim must find the damage, not a hang-up.
  return { scribbled: view.length };
}
