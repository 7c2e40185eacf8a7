// Preloaded beside sanswitch/register in the preload tests: prints one JSON line on stderr for
// every socket node:net's diagnostics channels announce, with the transport that carries it.
import { subscribe } from 'node:diagnostics_channel';

function report(side) {
  return ({ socket }) => {
    const say = () =>
      process.stderr.write(
        `${JSON.stringify({ side, transport: socket.transport ?? 'node:net', fallbackReason: socket.fallbackReason ?? null })}\n`,
      );
    if (side === 'server' || socket.transport) say();
    else socket.once('connect', say);
  };
}
subscribe('net.client.socket', report('client'));
subscribe('net.server.socket', report('server'));
