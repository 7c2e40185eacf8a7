// The other process of the native tests (`native-child.ts <role> [channel path]`): producer
// (ring stream), echo (doorbell ping-pong), peer (reports its pid), send-stdin (its stdin
// pipe as a hostile segment), watch-ref / watch-unref (an idle doorbell watcher).
import { loadNative, type NativeAddon } from '../../src/native/addon.js';
import { ProcessCore } from '../../src/wasm/process-core.js';
import { json, receive, sendJson } from './native-messages.js';
import {
  attach,
  mapSegment,
  produce,
  RING_CAPACITY,
  SLOT_BYTES,
  segmentGeometry,
} from './native-rings.js';

const TIMEOUT_MS = 20_000;
// Whatever happens to the parent, this process goes away.
setTimeout(() => process.exit(3), 60_000).unref();

function connect(addon: NativeAddon, path: string): number {
  const fd = addon.channelConnect(path);
  if (fd < 0) throw new Error(`channelConnect failed: ${fd}`);
  return fd;
}

/** Exits as soon as the parent closes the channel (or dies). */
function exitWhenClosed(addon: NativeAddon, fd: number): void {
  addon.channelWatch(fd, () => {
    if (addon.channelRecv(fd, 65536) === 0) process.exit(0);
  });
}

/** Receives the segment and the parent's doorbell, and maps the segment past a pad region. */
async function joinSegment(addon: NativeAddon, fd: number, core: ProcessCore) {
  const message = await receive(addon, fd, TIMEOUT_MS, 2);
  const setup = json<{ bytes: number; count: number; seed: number }>(message);
  const [segment, parentBell] = message.fds;
  if (segment === undefined || parentBell === undefined) throw new Error('setup lacks fds');
  if (addon.segmentCheck(segment, setup.bytes) !== 0) throw new Error('segment check failed');
  if (addon.doorbellCheck(parentBell) !== 0) throw new Error('doorbell check failed');
  // A pad, so that this process maps the segment at another offset than the parent.
  core.allocRegion(3 * 4096);
  const region = mapSegment(addon, core, segment, setup.bytes);
  addon.closeFd(segment);
  return { setup, region, parentBell };
}

async function producer(addon: NativeAddon, fd: number): Promise<void> {
  const core = new ProcessCore();
  const { setup, region, parentBell } = await joinSegment(addon, fd, core);
  const local = attach(core, region);
  const result = await produce(addon, core, local, parentBell, setup.count, setup.seed);
  sendJson(addon, fd, { ...result, region });
  exitWhenClosed(addon, fd);
}

async function echo(addon: NativeAddon, fd: number): Promise<void> {
  const core = new ProcessCore();
  const { region, parentBell } = await joinSegment(addon, fd, core);
  const { ringOffset } = segmentGeometry(core, addon.constants.PAGE_BYTES, 2);
  const ping = attach(core, region + ringOffset(0));
  const pong = attach(core, region + ringOffset(1));
  const buffer = core.allocRegion(SLOT_BYTES);
  const ownBell = addon.doorbellCreate();
  // Woken only by the doorbell: returns each ping as a pong, then parks again.
  const serve = () => {
    core.core.ringUnpark(ping);
    for (;;) {
      let length: number;
      while ((length = core.core.msgRead(ping, buffer, SLOT_BYTES)) >= 0) {
        if (core.core.msgWrite(pong, buffer, length, 1) < 0) throw new Error('pong ring full');
      }
      core.core.ringRelease(ping);
      if (core.core.ringCommit(pong) === 1) addon.doorbellRing(parentBell);
      if (core.core.ringPark(ping) === 0) return;
      core.core.ringUnpark(ping);
    }
  };
  const watcher = addon.doorbellWatch(ownBell, serve);
  if (typeof watcher === 'number') throw new Error(`doorbellWatch failed: ${watcher}`);
  // The parent sends nothing more: the channel turning readable means it closed or died.
  addon.channelWatch(fd, () => process.exit(0));
  serve();
  sendJson(addon, fd, { region, capacity: RING_CAPACITY }, [ownBell]);
}

async function main(): Promise<void> {
  const { addon, reason } = loadNative();
  if (!addon) throw new Error(reason);
  const [role, path] = process.argv.slice(2);
  if (role === 'watch-ref' || role === 'watch-unref') {
    const watcher = addon.doorbellWatch(addon.doorbellCreate(), () => undefined);
    if (typeof watcher === 'number') throw new Error('doorbellWatch failed');
    if (role === 'watch-unref') watcher.unref();
    return;
  }
  const fd = connect(addon, path!);
  if (role === 'producer') return producer(addon, fd);
  if (role === 'echo') return echo(addon, fd);
  if (role === 'peer') {
    sendJson(addon, fd, { pid: process.pid, peer: addon.channelPeer(fd) });
    return exitWhenClosed(addon, fd);
  }
  if (role === 'send-stdin') {
    sendJson(addon, fd, { fd: 0 }, [0]);
    return exitWhenClosed(addon, fd);
  }
  throw new Error(`unknown role ${role}`);
}

main().catch((error: unknown) => {
  console.error('native-child:', error);
  process.exit(2);
});
