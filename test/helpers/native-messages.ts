// Promise-shaped helpers over the shim's channel and doorbell calls, shared by the native
// tests and their child processes. Every wait is bounded by a timeout.
import type {
  AcceptedChannel,
  ChannelMessage,
  NativeAddon,
  Watcher,
} from '../../src/native/addon.js';

const EAGAIN = -11;

/** Resolves with the poll bits once `fd` is readable or hung up; rejects after `timeoutMs`. */
export function readable(addon: NativeAddon, fd: number, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const watcher = addon.channelWatch(fd, function (events) {
      clearTimeout(timer);
      this.close();
      resolve(events);
    });
    if (typeof watcher === 'number') throw new Error(`channelWatch failed: ${watcher}`);
    const timer = setTimeout(() => {
      watcher.close();
      reject(new Error(`fd ${fd} not readable within ${timeoutMs} ms`));
    }, timeoutMs);
  });
}

/** Accepts one connection on a listening channel. */
export async function acceptOne(
  addon: NativeAddon,
  listenFd: number,
  timeoutMs: number,
): Promise<AcceptedChannel> {
  for (;;) {
    const accepted = addon.channelAccept(listenFd);
    if (typeof accepted !== 'number') return accepted;
    if (accepted !== EAGAIN) throw new Error(`channelAccept failed: ${accepted}`);
    await readable(addon, listenFd, timeoutMs);
  }
}

/** Receives one message (keeping up to `maxFds` descriptors); rejects when the peer closed. */
export async function receive(
  addon: NativeAddon,
  fd: number,
  timeoutMs: number,
  maxFds = 0,
): Promise<ChannelMessage> {
  for (;;) {
    const message = addon.channelRecv(fd, 65536, maxFds);
    if (typeof message !== 'number') return message;
    if (message === 0) throw new Error('channel closed by the peer');
    if (message !== EAGAIN) throw new Error(`channelRecv failed: ${message}`);
    await readable(addon, fd, timeoutMs);
  }
}

/** Sends `value` as JSON, with `fds` attached. */
export function sendJson(addon: NativeAddon, fd: number, value: unknown, fds: number[] = []): void {
  const sent = addon.channelSend(fd, new TextEncoder().encode(JSON.stringify(value)), fds);
  if (sent < 0) throw new Error(`channelSend failed: ${sent}`);
}

/** The JSON payload of a message. */
export function json<T>(message: ChannelMessage): T {
  return JSON.parse(new TextDecoder().decode(message.bytes)) as T;
}

/** A doorbell being watched: `wait()` resolves at the next wake-up after it was called. */
export class Bell {
  wakes = 0;
  readonly #watcher: Watcher;
  #resolve: (() => void) | null = null;

  constructor(addon: NativeAddon, fd: number) {
    const watcher = addon.doorbellWatch(fd, () => {
      this.wakes++;
      const resolve = this.#resolve;
      this.#resolve = null;
      resolve?.();
    });
    if (typeof watcher === 'number') throw new Error(`doorbellWatch failed: ${watcher}`);
    this.#watcher = watcher;
  }

  /** Rejects with "lost wake-up" when no ring arrives within `timeoutMs`. */
  wait(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#resolve = null;
        reject(new Error(`lost wake-up: no doorbell within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#resolve = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  close(): void {
    this.#watcher.close();
  }
}
