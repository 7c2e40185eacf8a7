// A soak child process (forked by children.ts with the parent's execArgv, so that the tsx
// loader carries over): the server, the proxy or the client, as its configuration says. It
// exits as soon as its parent goes (IPC disconnect), and after its lifetime whatever happens.
import type { ChildConfig, ChildEvent, Command } from './messages.js';
import { Ends } from './ends.js';
import { loadNet } from './net.js';
import { runProxy } from './proxy.js';

const config = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(3), config.lifetimeMs).unref();

// Reports not yet written to the channel; a retiring process exits once there are none. The
// callback also keeps a report racing the parent's exit from becoming an 'error' event.
let unsent = 0;
let whenSent: (() => void) | undefined;
const say = (event: ChildEvent): void => {
  unsent += 1;
  process.send?.(event, undefined, {}, () => {
    unsent -= 1;
    if (unsent === 0) whenSent?.();
  });
};
/** Exits once every report is out (after those the closes just queued). */
const exitWhenSent = (): void =>
  void setImmediate(() => {
    whenSent = () => process.exit(0);
    if (unsent === 0) whenSent();
  });
const net = await loadNet(config.transport);

if (config.role === 'proxy') {
  const proxy = await runProxy(net, config.target ?? 0, say);
  process.on('message', (command: Command) => {
    if (command.op !== 'target') return;
    proxy.retarget(command.port);
    say({ ev: 'targeted', port: command.port });
  });
  say({ ev: 'ready', port: proxy.port });
} else {
  const ends = new Ends(config, net, say);
  process.on('message', (command: Command) => {
    if (command.op === 'wrap') ends.wrap();
    else if (command.op === 'retire') ends.retire(exitWhenSent);
    else if (command.op === 'open') ends.open(command.id, command.port);
  });
  if (config.role === 'server') {
    const port = await net.listen((socket) => ends.accept(socket));
    say({ ev: 'ready', port });
  } else {
    say({ ev: 'ready' });
  }
}
