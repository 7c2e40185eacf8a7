// The reading half of one connection end: an endless sequence of read steps (plan.ts) until
// the peer's end of stream or the close: flowing with 'data' events, paused, or a run of
// awaited recv() calls (sanswitch only; over node:net that step flows instead). Every byte
// that arrives, however it arrives, goes through the end's content check.
import { CLOSED, ConnEnd } from './conn-end.js';
import type { ReadStep } from './plan.js';

/** Reads `conn` until its peer's end or its close. */
export async function runReader(conn: ConnEnd, next: () => ReadStep): Promise<void> {
  const { socket } = conn;
  const onData = (chunk: Buffer): void => conn.onData(chunk);
  socket.on('data', onData);
  while (!conn.isClosed && !conn.gotEnd) {
    const step = next();
    if (step.kind === 'recv' && socket.recv) {
      await recvSome(conn, step, onData);
      continue;
    }
    if (step.kind === 'pause') socket.pause();
    else socket.resume();
    await conn.pause(step.kind === 'recv' ? 20 * step.count : step.ms);
  }
}

/**
 * `step.count` recv() calls in a row, into fresh Buffers or by size. The 'data' listener is
 * off meanwhile (stream.read() emits 'data' too: the bytes would be counted twice), and the
 * stream paused first so that nothing flows to no listener.
 */
async function recvSome(
  conn: ConnEnd,
  step: Extract<ReadStep, { kind: 'recv' }>,
  onData: (chunk: Buffer) => void,
): Promise<void> {
  const { socket } = conn;
  const recv = socket.recv!.bind(socket);
  socket.pause();
  socket.off('data', onData);
  try {
    for (let i = 0; i < step.count && !socket.destroyed; i++) {
      const target = step.into ? Buffer.alloc(step.bytes) : step.bytes;
      const receiving = recv(target).catch((err: unknown) => {
        conn.noteError(err);
        return CLOSED;
      });
      // No race with 'close': a pending recv must settle once the socket closes (CLS-3).
      const got = await conn.bounded(receiving, `recv(${step.bytes})`);
      if (got === null || typeof got === 'symbol') return;
      if (got.length > step.bytes) {
        conn.fail('recv', `recv(${step.bytes}) resolved with ${got.length} B`);
      }
      conn.onData(got);
    }
  } finally {
    // Adding the listener resumes the stream; the next step pauses it again if it says so.
    socket.on('data', onData);
  }
}
