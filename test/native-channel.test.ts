// The hand-over and liveness channel: peer credentials, descriptors passed with SCM_RIGHTS
// (and the ones beyond what the receiver expects closed), and a peer's death seen at once.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadNative, type NativeAddon } from '../src/native/addon.js';
import { killChildren, privateDir, startChild } from './helpers/native-children.js';
import { acceptOne, json, readable, receive } from './helpers/native-messages.js';

const { addon, reason } = loadNative();
const test = suite(`native channel${addon ? '' : ` (skipped: ${reason})`}`);
const it = addon ? test : test.skip;

const EAGAIN = -11;
const ENOENT = -2;
const EACCES = -13;
const openFds = () => readdirSync('/proc/self/fd').length;

/** A connected pair of channels inside this process. */
async function pair(native: NativeAddon) {
  const dir = privateDir();
  const listenFd = native.channelListen(dir.socket, 1);
  assert.ok(listenFd > 2, `channelListen: ${listenFd}`);
  const client = native.channelConnect(dir.socket);
  assert.ok(client > 2, `channelConnect: ${client}`);
  const server = await acceptOne(native, listenFd, 2_000);
  return {
    dir,
    client,
    server,
    close() {
      for (const fd of [client, server.fd, listenFd]) native.closeFd(fd);
      dir.remove();
    },
  };
}

it("SO_PEERCRED gives the acceptor the child's pid and our uid, and the child our pid", async () => {
  const native = addon!;
  const session = await startChild(native, 'peer');
  try {
    assert.is(session.accepted.pid, session.child.pid);
    assert.is(session.accepted.uid, process.getuid!());
    assert.is(session.accepted.gid, process.getgid!());
    const report = json<{ pid: number; peer: { pid: number } }>(
      await receive(native, session.accepted.fd, 10_000),
    );
    assert.is(report.pid, session.child.pid);
    assert.is(report.peer.pid, process.pid);
  } finally {
    session.close();
    killChildren();
  }
});

it('a SIGKILLed peer shows as a hang-up on the channel watcher within 1 s', async () => {
  const native = addon!;
  const session = await startChild(native, 'peer');
  try {
    await receive(native, session.accepted.fd, 10_000);
    const killedAt = performance.now();
    const hangUp = readable(native, session.accepted.fd, 1_000);
    session.child.kill('SIGKILL');
    const events = await hangUp;
    const elapsedMs = performance.now() - killedAt;
    assert.ok(events & native.constants.POLL_DISCONNECT, `events ${events}`);
    assert.is(native.channelRecv(session.accepted.fd, 64), 0, 'end of stream');
    console.log(`  hang-up seen ${elapsedMs.toFixed(1)} ms after SIGKILL`);
  } finally {
    session.close();
    killChildren();
  }
});

it('descriptors travel with a message; those beyond maxFds are closed and the message marked truncated', async () => {
  const native = addon!;
  const channels = await pair(native);
  const bells = [native.doorbellCreate(), native.doorbellCreate(), native.doorbellCreate()];
  try {
    const before = openFds();
    assert.is(native.channelSend(channels.client, new Uint8Array([1, 2, 3]), bells), 3);
    const message = await receive(native, channels.server.fd, 2_000, 1);
    assert.equal([...message.bytes], [1, 2, 3]);
    assert.is(message.fds.length, 1);
    assert.ok(message.truncated);
    assert.is(native.doorbellCheck(message.fds[0]!), 0, 'a working duplicate of the eventfd');
    assert.is(openFds(), before + 1, 'only the kept descriptor is open');
    native.closeFd(message.fds[0]!);
  } finally {
    for (const fd of bells) native.closeFd(fd);
    channels.close();
  }
});

it('channelRecv reports -EAGAIN when empty, truncation past maxBytes, and 0 once the peer closed', async () => {
  const native = addon!;
  const channels = await pair(native);
  try {
    assert.is(native.channelRecv(channels.server.fd, 64), EAGAIN);
    native.channelSend(channels.client, new Uint8Array(100).fill(7));
    await readable(native, channels.server.fd, 2_000);
    const message = native.channelRecv(channels.server.fd, 64);
    assert.ok(typeof message === 'object');
    assert.is(message.bytes.length, 64);
    assert.ok(message.truncated);
    assert.is(native.closeFd(channels.client), 0);
    assert.is(native.channelRecv(channels.server.fd, 64), 0);
    assert.throws(() => native.channelSend(channels.server.fd, new Uint8Array(0)), /1 to 65536/);
  } finally {
    native.closeFd(channels.server.fd);
    channels.dir.remove();
  }
});

it('channelListen creates a 0600 socket, and refuses a directory others can enter', () => {
  const native = addon!;
  const dir = privateDir();
  try {
    const fd = native.channelListen(dir.socket, 1);
    assert.ok(fd > 2);
    assert.is(statSync(dir.socket).mode & 0o777, 0o600);
    native.closeFd(fd);
    const open = join(dir.path, 'open');
    mkdirSync(open);
    chmodSync(open, 0o755);
    assert.is(native.channelListen(join(open, 'channel'), 1), EACCES);
    assert.is(native.channelConnect(join(dir.path, 'nobody')), ENOENT);
  } finally {
    dir.remove();
  }
});

test.run();
