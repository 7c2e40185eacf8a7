// The shared layout has one definition (assembly/layout.ts) and three readers: the WASM core,
// the generated TypeScript constants and the native shim. This suite checks that all three
// hold the same names and values, and that the layout obeys its structural rules.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { coreModule, createCoreMemory } from '../src/wasm/core.js';
import { loadNative } from '../src/native/addon.js';
import * as L from '../src/wasm/layout.generated.js';

const STATUS_URL = new URL('../build/native-status.json', import.meta.url);

/** The core's exported globals, read from a raw instance (no loader in between). */
function wasmConstants(): Record<string, number> {
  const memory = createCoreMemory(1);
  const abort = (): never => {
    throw new Error('core aborted');
  };
  const instance = new WebAssembly.Instance(coreModule(), { env: { memory, abort } });
  const constants: Record<string, number> = {};
  for (const [name, value] of Object.entries(instance.exports)) {
    if (value instanceof WebAssembly.Global) constants[name] = value.value as number;
  }
  return constants;
}

/** Why the install's native build failed, or null when it succeeded or left no record. */
function recordedBuildFailure(): string | null {
  try {
    const status = JSON.parse(readFileSync(STATUS_URL, 'utf8')) as {
      ok?: boolean;
      reason?: string;
    };
    return status.ok === false
      ? (status.reason ?? 'native build failed (no reason recorded)')
      : null;
  } catch {
    return null;
  }
}

/** u32 constants come back from WASM as signed i32; compare them as the generator wrote them. */
function asDeclared(name: string, value: number): number {
  return (L.LAYOUT_CONSTANTS[name] ?? 0) < 0 ? value | 0 : value >>> 0;
}

test('WASM core exports exactly the constants of layout.generated.ts, with equal values', () => {
  const wasm = wasmConstants();
  assert.equal(Object.keys(wasm).sort(), Object.keys(L.LAYOUT_CONSTANTS).sort());
  for (const [name, value] of Object.entries(L.LAYOUT_CONSTANTS)) {
    assert.is(asDeclared(name, wasm[name] ?? NaN), value, name);
  }
});

test('native shim layout() holds the same names and values (fails when the addon is missing)', () => {
  const native = loadNative();
  if (!native.addon) {
    const failure = recordedBuildFailure();
    if (failure === null) {
      assert.unreachable(
        `native addon missing but build/native-status.json records no failure: ${native.reason}`,
      );
    }
    console.log(
      `layout: native build failed at install (${failure}); checked WASM against TS only`,
    );
    return;
  }
  const values = native.addon.layout();
  assert.equal(Object.keys(values).sort(), Object.keys(L.LAYOUT_CONSTANTS).sort());
  for (const [name, value] of Object.entries(L.LAYOUT_CONSTANTS)) {
    assert.is(values[name], value, name);
  }
});

test('ring cursors sit on different cache lines, away from the slots', () => {
  const line = (offset: number): number => Math.floor(offset / L.CACHE_LINE_BYTES);
  assert.is.not(line(L.RING_HEAD_OFFSET), line(L.RING_TAIL_OFFSET), 'head and tail share a line');
  assert.is(
    line(L.RING_PARKED_OFFSET),
    line(L.RING_HEAD_OFFSET),
    'parked is written by the consumer',
  );
  assert.ok(L.RING_TAIL_OFFSET + 4 <= L.RING_HEADER_BYTES);
  assert.is(L.RING_HEADER_BYTES % L.CACHE_LINE_BYTES, 0, 'slot 0 starts on a new line');
  assert.is(L.RING_LOCAL_BYTES % L.CACHE_LINE_BYTES, 0, 'a private block fills whole lines');
});

test('ring bounds are powers of two and keep every slot address below 2 GiB', () => {
  const pow2 = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;
  assert.ok(pow2(L.RING_MAX_CAPACITY) && pow2(L.RING_SLOT_ALIGN_BYTES) && pow2(L.CACHE_LINE_BYTES));
  assert.is(L.RING_MAX_SLOT_BYTES % L.RING_SLOT_ALIGN_BYTES, 0);
  assert.ok(L.RING_SLOT_ALIGN_BYTES >= 8, 'u64 fields in slots stay aligned');
});

test('entries are multiples of 8 bytes and every field lies inside its entry, aligned', () => {
  const entries: Array<[string, number, Array<[number, number]>]> = [
    [
      'SQE',
      L.SQE_BYTES,
      [
        [L.SQE_OPCODE_OFFSET, 2],
        [L.SQE_FLAGS_OFFSET, 2],
        [L.SQE_LENGTH_OFFSET, 4],
        [L.SQE_USER_DATA_OFFSET, 8],
        [L.SQE_LOCAL_OFFSET_OFFSET, 4],
        [L.SQE_LOCAL_KEY_OFFSET, 4],
        [L.SQE_REMOTE_OFFSET_OFFSET, 4],
        [L.SQE_REMOTE_KEY_OFFSET, 4],
      ],
    ],
    [
      'CQE',
      L.CQE_BYTES,
      [
        [L.CQE_USER_DATA_OFFSET, 8],
        [L.CQE_RESULT_OFFSET, 4],
        [L.CQE_FLAGS_OFFSET, 4],
      ],
    ],
    [
      'message header',
      L.MSG_HEADER_BYTES,
      [
        [L.MSG_LENGTH_OFFSET, 4],
        [L.MSG_TYPE_OFFSET, 4],
      ],
    ],
  ];
  for (const [name, bytes, fields] of entries) {
    assert.is(bytes % 8, 0, `${name} size`);
    const covered = new Uint8Array(bytes);
    for (const [offset, size] of fields) {
      assert.is(offset % size, 0, `${name} field at ${offset} is unaligned`);
      assert.ok(offset + size <= bytes, `${name} field at ${offset} overruns the entry`);
      for (let i = offset; i < offset + size; i++) covered[i] = (covered[i] ?? 0) + 1;
    }
    assert.ok(
      covered.every((n) => n === 1),
      `${name} fields overlap or leave gaps`,
    );
  }
});

test('opcodes are 1..OP_MAX and statuses are distinct negative errno values', () => {
  assert.equal([L.OP_SEND, L.OP_RECV, L.OP_RDMA_WRITE, L.OP_RDMA_READ].sort(), [1, 2, 3, 4]);
  assert.is(L.OP_MAX, 4);
  const statuses = [L.ERR_AGAIN, L.ERR_INVAL, L.ERR_PROTO, L.ERR_MSGSIZE];
  assert.ok(statuses.every((s) => s < 0));
  assert.is(new Set(statuses).size, statuses.length);
});

test.run();
