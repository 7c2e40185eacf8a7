// `socket instanceof net.Socket` holds for the switch's sockets under the preload, as apps and
// libraries check it. Only net.Socket itself answers so: its subclasses (tls.TLSSocket) keep
// the ordinary answer, and Node's TLS, seeing a net.Socket without a native handle, wraps it
// in a JS stream as it does any other stream.
import net from 'node:net';
import { Socket } from '../net/socket.js';

/** Makes `instanceof net.Socket` true for switch sockets. Main thread, once, at preload. */
export function patchInstanceof(): void {
  const ordinary = Function.prototype[Symbol.hasInstance];
  Object.defineProperty(net.Socket, Symbol.hasInstance, {
    configurable: true,
    value(this: unknown, value: unknown): boolean {
      if (this === net.Socket && value instanceof Socket) return true;
      return ordinary.call(this, value);
    },
  });
}
