// Segments and windows: a received segment fd must be a sealed read-write memfd of the
// expected size, windows are refused unless page-aligned and inside the memory, the start-up
// self-test passes, and create/map/unmap/close cycles leak no descriptors.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadNative, type NativeAddon } from '../src/native/addon.js';
import { shmSelfTest } from '../src/native/self-test.js';
import { createCoreMemory } from '../src/wasm/core.js';
import { ProcessCore } from '../src/wasm/process-core.js';
import { exited, killChildren, privateDir, startChild } from './helpers/native-children.js';
import { acceptOne, receive } from './helpers/native-messages.js';

const { addon, reason } = loadNative();
const test = suite(`native segment${addon ? '' : ` (skipped: ${reason})`}`);
const it = addon ? test : test.skip;

const EPROTO = -71;
const PAGE = 4096;
const MIB = 1 << 20;
const openFds = () => readdirSync('/proc/self/fd').length;

// A hostile peer in another language: sends a memfd that was never sealed and one that was
// created sealable but left unsealed, both of the right size.
const HOSTILE_PYTHON = `
import os, socket, sys
never = os.memfd_create('hostile')
unsealed = os.memfd_create('hostile', os.MFD_ALLOW_SEALING)
for fd in (never, unsealed): os.ftruncate(fd, 4096)
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
socket.send_fds(s, [b'x'], [never, unsealed])
s.recv(1)
`;

const hasPython = () =>
  spawnSync('python3', ['-c', 'import os; os.memfd_create'], { stdio: 'ignore' }).status === 0;

/** Fds a hostile Python peer sends over a channel (empty when python3 is missing). */
async function pythonFds(native: NativeAddon): Promise<number[]> {
  if (!hasPython()) {
    console.log('  (python3 with os.memfd_create missing: unsealed-memfd case not run)');
    return [];
  }
  const dir = privateDir();
  const listenFd = native.channelListen(dir.socket, 1);
  const child = spawn('python3', ['-c', HOSTILE_PYTHON, dir.socket], { stdio: 'inherit' });
  try {
    const accepted = await acceptOne(native, listenFd, 10_000);
    const message = await receive(native, accepted.fd, 10_000, 2);
    native.closeFd(accepted.fd);
    await exited(child, 5_000);
    return message.fds;
  } finally {
    child.kill('SIGKILL');
    native.closeFd(listenFd);
    dir.remove();
  }
}

it('segmentCheck accepts our sealed memfd and rejects hostile fds: a pipe, unsealed files, read-only, wrong size, an eventfd', async () => {
  const native = addon!;
  const segment = native.segmentCreate(PAGE);
  assert.is(native.segmentCheck(segment, PAGE), 0);
  assert.is(native.segmentCheck(segment, 2 * PAGE), EPROTO, 'wrong size');
  const readOnly = openSync(`/proc/self/fd/${segment}`, 'r');
  const plainPath = join(tmpdir(), `sanswitch-plain-${process.pid}`);
  const plain = openSync(plainPath, 'w+');
  ftruncateSync(plain, PAGE);
  const bell = native.doorbellCreate();
  const session = await startChild(native, 'send-stdin', 'pipe');
  const hostile = [readOnly, plain, bell];
  try {
    const pipe = (await receive(native, session.accepted.fd, 10_000, 1)).fds[0]!;
    hostile.push(pipe, ...(await pythonFds(native)));
    assert.is(native.doorbellCheck(pipe), EPROTO, 'a pipe is no doorbell either');
    const memory = createCoreMemory(32);
    for (const fd of hostile) {
      assert.is(
        native.segmentCheck(fd, PAGE),
        EPROTO,
        `fd ${fd}: ${readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').split('\n')[1]}`,
      );
      assert.is(
        native.mapWindow(new Uint8Array(memory.buffer), MIB, PAGE, fd, 0),
        EPROTO,
        'mapWindow checks too',
      );
    }
    assert.is(native.segmentCheck(1 << 30, PAGE), -9, 'EBADF');
  } finally {
    for (const fd of hostile) if (fd > 2) closeSync(fd);
    native.closeFd(segment);
    rmSync(plainPath, { force: true });
    session.close();
    killChildren();
  }
});

it('mapWindow refuses windows past the end of the segment (they would SIGBUS)', () => {
  const native = addon!;
  const memory = createCoreMemory(32);
  const segment = native.segmentCreate(PAGE);
  assert.is(native.mapWindow(new Uint8Array(memory.buffer), MIB, 2 * PAGE, segment, 0), EPROTO);
  assert.is(native.mapWindow(new Uint8Array(memory.buffer), MIB, PAGE, segment, PAGE), EPROTO);
  native.closeFd(segment);
});

it('mapWindow throws on unaligned, out-of-bounds, low, overlapping or non-shared requests and the process carries on', () => {
  const native = addon!;
  const memory = createCoreMemory(32);
  const view = new Uint8Array(memory.buffer);
  const segment = native.segmentCreate(2 * PAGE);
  const rejects = (args: [Uint8Array, number, number, number, number], code: string) => {
    assert.throws(
      () => native.mapWindow(...args),
      (error: NodeJS.ErrnoException) => error.code === code,
      JSON.stringify(args.slice(1)),
    );
  };
  try {
    rejects([view, MIB + 1, PAGE, segment, 0], 'ERR_OUT_OF_RANGE');
    rejects([view, MIB, PAGE + 1, segment, 0], 'ERR_OUT_OF_RANGE');
    rejects([view, MIB, 0, segment, 0], 'ERR_OUT_OF_RANGE');
    rejects([view, MIB, PAGE, segment, 1], 'ERR_OUT_OF_RANGE');
    rejects([view, 0, PAGE, segment, 0], 'ERR_OUT_OF_RANGE');
    rejects([view, PAGE, PAGE, segment, 0], 'ERR_OUT_OF_RANGE');
    rejects([view, view.byteLength - PAGE, 2 * PAGE, segment, 0], 'ERR_OUT_OF_RANGE');
    rejects([view, view.byteLength, PAGE, segment, 0], 'ERR_OUT_OF_RANGE');
    rejects([view, -PAGE, PAGE, segment, 0], 'ERR_OUT_OF_RANGE');
    rejects([view.subarray(PAGE), MIB, PAGE, segment, 0], 'ERR_OUT_OF_RANGE');
    rejects([new Uint8Array(4 * MIB), MIB, PAGE, segment, 0], 'ERR_INVALID_ARG_TYPE');
    rejects([view, MIB, PAGE, 0.5, 0], 'ERR_OUT_OF_RANGE');
    assert.is(native.mapWindow(view, MIB, 2 * PAGE, segment, 0), 0);
    rejects([view, MIB + PAGE, 2 * PAGE, segment, 0], 'ERR_OUT_OF_RANGE');
    assert.throws(() => native.unmapWindow(view, MIB, PAGE), /no window/);
    view[MIB] = 42;
    assert.is(native.unmapWindow(view, MIB, 2 * PAGE), 0);
    assert.is(view[MIB], 0, 'detached windows read as fresh zero pages');
  } finally {
    native.closeFd(segment);
  }
});

it('the start-up self-test passes here, natively and as seen from JavaScript', () => {
  const native = addon!;
  const memory = createCoreMemory(32);
  assert.equal(native.selfTest(new Uint8Array(memory.buffer), MIB), { ok: true, reason: null });
  assert.equal(shmSelfTest(new ProcessCore()), { available: true, reason: null });
});

/** Mappings V8 may add on its own while a test runs (heap and code space growth). */
const V8_MAPPING_SLACK = 8;

it('1,000 create/map/unmap/close cycles leak no descriptors and no mappings', () => {
  const native = addon!;
  const memory = createCoreMemory(64);
  const mappings = () => readFileSync('/proc/self/maps', 'utf8').split('\n').length;
  const cycle = (i: number) => {
    const segment = native.segmentCreate(2 * PAGE);
    const view = new Uint8Array(memory.buffer);
    const offset = MIB + (i % 64) * 2 * PAGE;
    assert.is(native.mapWindow(view, offset, 2 * PAGE, segment, 0), 0);
    view[offset + PAGE] = i & 0xff;
    assert.is(native.unmapWindow(view, offset, 2 * PAGE), 0);
    assert.is(native.closeFd(segment), 0);
  };
  // Detached windows may stay split from their neighbours: visit every offset once first.
  for (let i = 0; i < 64; i++) cycle(i);
  const fdsBefore = openFds();
  const mapsBefore = mappings();
  for (let i = 0; i < 1000; i++) cycle(i);
  assert.is(openFds(), fdsBefore);
  // A leak would add a mapping per cycle (1,000). The few V8 maps for its own heap as it
  // grows in a fresh test process are allowed.
  const added = mappings() - mapsBefore;
  assert.ok(added <= V8_MAPPING_SLACK, `${added} mappings more after 1,000 cycles`);
});

test.run();
