// The proxy role: accepts each connection and opens one to the server for it, then pipes both
// directions with pipe(), half-closes included. It has no view of the content; it only passes
// an abortive close on (an error, or a close before both directions ended, resets the other
// leg), as a transparent TCP proxy would. It reports each leg's transport, and, for the
// connection the header names, both legs' counters (for the judge's failure messages).
import { HEADER_BYTES, headerId } from './content.js';
import type { ChildEvent, LegTotals } from './messages.js';
import type { SoakNet, SoakSocket } from './net.js';

const REPORT_MS = 500;

/** A running proxy: its port, and where new connections go from now on. */
export interface Proxy {
  port: number;
  retarget(port: number): void;
}

/** Listens and forwards every connection to `target`. */
export async function runProxy(
  net: SoakNet,
  target: number,
  say: (event: ChildEvent) => void,
): Promise<Proxy> {
  let destination = target;
  const port = await net.listen((inbound) => {
    say({ ev: 'leg', transport: net.transportOf(inbound) });
    const outbound = net.connect(destination, undefined);
    outbound.once('connect', () => say({ ev: 'leg', transport: net.transportOf(outbound) }));
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    link(inbound, outbound);
    link(outbound, inbound);
    watch(inbound, outbound, say);
  });
  return { port, retarget: (next) => (destination = next) };
}

/**
 * An abortive end of `from` becomes a reset of `to`. Once `to` is ending (its peer's FIN
 * piped on), the reset waits for the end to finish: everything before that FIN was complete,
 * and node:net cannot reset a socket whose shutdown is pending (libuv refuses with EINVAL, the
 * destroy drops the data still buffered, and the FIN follows what was left: a truncated
 * stream that looks orderly).
 */
function link(from: SoakSocket, to: SoakSocket): void {
  const abort = (): void => {
    if (to.destroyed) return;
    if (to.writableEnded && !to.writableFinished) to.once('finish', () => to.resetAndDestroy());
    else to.resetAndDestroy();
  };
  from.on('error', abort);
  from.once('close', () => {
    if (!(from.readableEnded && from.writableFinished)) abort();
  });
}

function legTotals(socket: SoakSocket & { bytesRead?: number; bytesWritten?: number }): LegTotals {
  const flags = {
    paused: socket.isPaused(),
    eof: socket.readableEnded,
    ending: socket.writableEnded,
    finished: socket.writableFinished,
    destroyed: socket.destroyed,
  };
  return {
    read: socket.bytesRead ?? 0,
    written: socket.bytesWritten ?? 0,
    buffered: socket.writableLength,
    state: Object.entries(flags).flatMap(([name, set]) => (set ? [name] : [])),
  };
}

/** Once the header named the connection, reports both legs' counters while they change. */
function watch(inbound: SoakSocket, outbound: SoakSocket, say: (event: ChildEvent) => void): void {
  let head = Buffer.alloc(0);
  let last = '';
  const report = (id: number): void => {
    const event: ChildEvent = {
      ev: 'relay',
      id,
      clientLeg: legTotals(inbound),
      serverLeg: legTotals(outbound),
    };
    const now = JSON.stringify(event);
    if (now !== last) say(event);
    last = now;
  };
  // A second 'data' listener next to pipe(): it sees the same chunks and changes no flow.
  const onHead = (chunk: Buffer): void => {
    head = Buffer.concat([head, chunk]);
    if (head.length < HEADER_BYTES) return;
    inbound.off('data', onHead);
    const id = headerId(head);
    if (id === undefined) return;
    const timer = setInterval(() => report(id), REPORT_MS);
    outbound.once('close', () => clearInterval(timer));
  };
  inbound.on('data', onHead);
}
