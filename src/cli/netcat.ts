// The data path shared by `sanswitch listen` and `sanswitch connect`: stdin to the socket and
// the socket to stdout, half-closing the socket when stdin ends, until both directions end.
import type { Socket } from '../index.js';
import { note } from './command.js';

/** `host:port`, bracketing IPv6 addresses. */
export function hostPort(host: string | undefined, port: number | undefined): string {
  const name = host ?? '?';
  return `${name.includes(':') ? `[${name}]` : name}:${port ?? '?'}`;
}

/** `host:port` of a socket's remote end. */
export function remoteName(socket: Socket): string {
  return hostPort(socket.remoteAddress, socket.remotePort);
}

/** `over shm`, or `over tcp (fallback: no-san-listener)`: the transport line's tail. */
export function transportText(socket: Socket): string {
  const reason = socket.fallbackReason ? ` (fallback: ${socket.fallbackReason})` : '';
  return `over ${socket.transport ?? 'unknown'}${reason}`;
}

/**
 * Pipes stdin into `socket` (ending the socket's writing side when stdin ends) and the socket
 * into stdout, and resolves once the socket has closed: 0 after an orderly close in both
 * directions, 1 after an error (reported on stderr). The socket must allow half-open
 * connections, so that the peer's end does not cut off what stdin still has to send.
 */
export function relay(socket: Socket): Promise<number> {
  return new Promise((resolve) => {
    let failed = false;
    socket.on('error', (error) => {
      failed = true;
      note(`${error.message}`);
    });
    // A reader that goes away (`| head`) ends the session instead of crashing on EPIPE.
    process.stdout.once('error', () => socket.destroy());
    socket.pipe(process.stdout, { end: false });
    process.stdin.pipe(socket);
    socket.on('close', () => {
      process.stdin.unpipe(socket);
      // stdin may be a terminal or a pipe nobody closes: stop reading so the process can exit.
      process.stdin.destroy();
      resolve(failed ? 1 : 0);
    });
  });
}
