// The server side of the net-* suites, in the server peer process: each accepted connection
// says by its first byte what to do (echo, sink and acknowledge, answer once, or idle), and
// the server does only that, so that what is timed is the transport, not the server.
import type { Duplex } from 'node:stream';
import {
  CONN_REPLY,
  IDLE_REPLY,
  MODE_CONN,
  MODE_ECHO,
  MODE_IDLE,
  MODE_SINK,
  SINK_ACK,
} from './net-protocol.js';

const SINK_HEADER_BYTES = 9;

/** Consumes `header.readBigUInt64LE(1)` bytes (some may already be in `rest`), then acks. */
function sink(socket: Duplex, header: Buffer): void {
  let remaining = Number(header.readBigUInt64LE(1)) - (header.length - SINK_HEADER_BYTES);
  const onData = (chunk: Buffer): void => {
    remaining -= chunk.length;
    if (remaining <= 0) socket.write(Buffer.of(SINK_ACK));
  };
  if (remaining <= 0) socket.write(Buffer.of(SINK_ACK));
  socket.on('data', onData);
}

/** Dispatches on the connection's first bytes; `head` holds what has arrived so far. */
function start(socket: Duplex, head: Buffer): boolean {
  const mode = head[0];
  if (mode === MODE_ECHO) {
    if (head.length > 1) socket.write(head.subarray(1));
    socket.on('data', (chunk: Buffer) => socket.write(chunk));
  } else if (mode === MODE_SINK) {
    if (head.length < SINK_HEADER_BYTES) return false;
    sink(socket, head);
  } else if (mode === MODE_CONN) {
    socket.write(Buffer.of(CONN_REPLY));
  } else if (mode === MODE_IDLE) {
    socket.write(Buffer.of(IDLE_REPLY));
  } else {
    socket.destroy(new Error(`unknown mode byte ${mode}`));
  }
  return true;
}

/** Serves one accepted connection until the client closes it. */
export function serveConnection(socket: Duplex): void {
  let head: Buffer = Buffer.alloc(0);
  const onHead = (chunk: Buffer): void => {
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    if (head.length === 0) return;
    socket.off('data', onHead);
    if (!start(socket, head)) socket.on('data', onHead);
  };
  socket.on('data', onHead);
  socket.on('end', () => socket.end());
  // A client that resets is not the server's problem; the client reports its own errors.
  socket.on('error', () => socket.destroy());
}
