// Loads the WASM core once per process and instantiates it against a shared
// WebAssembly.Memory; the typed view of its exports lives here so callers pass numbers only.
import { readFileSync } from 'node:fs';
import { instantiateSync } from '@assemblyscript/loader';
import { codes, libraryError } from '../errors.js';

/** Path of the release build of the core, relative to this file in src/ or dist/. */
const CORE_WASM_URL = new URL('../../build/core.wasm', import.meta.url);

/** WASM page size in bytes. */
export const WASM_PAGE_BYTES = 65536;
/**
 * Largest memory the core accepts, in pages (2 GiB): every address then fits in a
 * non-negative i32 status. Matches `maximumMemory` in asconfig.json.
 */
export const CORE_MAX_PAGES = 32768;

/**
 * The core's functions. Addresses are absolute byte offsets in the shared memory; a negative
 * return is a status from assembly/status.ts (see src/errors.ts).
 */
export interface CoreExports {
  heapBase(): number;
  ringBytes(capacity: number, slotBytes: number): number;
  ringFormat(shared: number): void;
  ringFormatAt(shared: number, start: number): void;
  ringAttach(local: number, shared: number, capacity: number, slotBytes: number): number;
  ringAttachAt(
    local: number,
    shared: number,
    capacity: number,
    slotBytes: number,
    start: number,
  ): number;
  ringSlotBytes(local: number): number;
  ringCapacity(local: number): number;
  ringReserve(local: number): number;
  ringCommit(local: number): number;
  ringFront(local: number): number;
  ringAdvance(local: number): number;
  ringPeek(local: number): number;
  ringRelease(local: number): void;
  ringPark(local: number): number;
  ringHasRoom(local: number): number;
  ringPending(local: number): number;
  ringPublished(local: number): number;
  ringShared(local: number): number;
  ringUnpark(local: number): void;
  msgMaxPayload(local: number): number;
  msgWrite(local: number, src: number, length: number, type: number): number;
  msgPeekLength(local: number): number;
  msgPeekType(local: number): number;
  msgRead(local: number, dst: number, capacity: number): number;
  sqPush(
    local: number,
    opcode: number,
    flags: number,
    length: number,
    userData: number,
    localOffset: number,
    localKey: number,
    remoteOffset: number,
    remoteKey: number,
  ): number;
  sqFront(local: number): number;
  cqPush(local: number, userData: number, result: number, flags: number): number;
  cqFront(local: number): number;
  cqeUserData(cqe: number): number;
  cqeResult(cqe: number): number;
  cqeFlags(cqe: number): number;
  memRegister(
    rnic: number,
    address: number,
    length: number,
    access: number,
    remote: number,
  ): number;
  memDeregister(rnic: number, key: number): number;
  rnicDown(rnic: number): void;
  rnicExecute(rnic: number, sq: number, cq: number): number;
  mirrorStateBytes(entries: number): number;
  mirrorInit(
    m: number,
    ses: number,
    sq: number,
    region: number,
    stageRegion: number,
    tag: number,
    recvTag: number,
    notify: number,
  ): number;
  mirrorFlush(m: number): number;
  mirrorCompleted(m: number, count: number): void;
  mirrorOutstanding(m: number): number;
  mirrorProbe(m: number): number;
  mirrorReceive(m: number): number;
  segBulkOffset(capacity: number, slotBytes: number, entries: number, halfBytes: number): number;
  segBytes(capacity: number, slotBytes: number, entries: number, halfBytes: number): number;
  segFormat(
    seg: number,
    capacity: number,
    slotBytes: number,
    entries: number,
    halfBytes: number,
  ): number;
  sesStateBytes(entries: number): number;
  sesInit(
    ses: number,
    seg: number,
    role: number,
    capacity: number,
    slotBytes: number,
    entries: number,
    halfBytes: number,
    localFlags: number,
  ): number;
  sesRnic(ses: number): number;
  sesSq(ses: number): number;
  sesCq(ses: number): number;
  sesRnicSq(ses: number): number;
  sesRnicCq(ses: number): number;
  sesTxRing(ses: number): number;
  sesRxRing(ses: number): number;
  sesCtlTxRing(ses: number): number;
  sesCtlRxRing(ses: number): number;
  sesWaitCredit(ses: number): number;
  sesWaitControl(ses: number): number;
  sesPeerConsumedAll(ses: number): number;
  sesRelease(ses: number): number;
  sesFlush(ses: number): number;
  sesPark(ses: number, held: number): number;
  sesPeerReset(ses: number): number;
  sesUnpark(ses: number): void;
  sesReset(ses: number): void;
  sesClose(ses: number): void;
  sesNegotiate(ses: number, threshold: number): number;
  sesDataSlot(ses: number): number;
  sesDataCommit(ses: number, length: number): number;
  sesSendRndv(ses: number, address: number, total: number): number;
  sesSendDone(ses: number, key: number, length: number): number;
  sesSendTarget(ses: number, address: number, length: number): number;
  sesSendFin(ses: number): number;
  sesDeregister(ses: number, key: number): number;
  sesPoll(ses: number): number;
  sesPollControl(ses: number): number;
  sesReadsAwaited(ses: number): number;
  sesEvAddr(ses: number): number;
  sesEvLength(ses: number): number;
  sesEvKey(ses: number): number;
  sesEvTotal(ses: number): number;
  sesEvSource(ses: number): number;
}

let compiled: WebAssembly.Module | undefined;

/**
 * The compiled core module, compiled on first use and cached for the process. It can be
 * posted to worker threads. Blocks while it reads and compiles (a few milliseconds).
 */
export function coreModule(url: URL = CORE_WASM_URL): WebAssembly.Module {
  if (url !== CORE_WASM_URL) return new WebAssembly.Module(readFileSync(url));
  compiled ??= new WebAssembly.Module(readFileSync(url));
  return compiled;
}

/**
 * A new shared memory for the core. `initialPages` defaults to 32 (2 MiB); the maximum is
 * CORE_MAX_PAGES unless given. Shared memories grow in place and never move, which is what
 * lets another process's segment stay mapped inside it.
 */
export function createCoreMemory(
  initialPages = 32,
  maximumPages = CORE_MAX_PAGES,
): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: initialPages, maximum: maximumPages, shared: true });
}

/**
 * Instantiates `module` (default: the release core) against `memory`. Any thread may call
 * it; each thread needs its own instance over the same memory.
 */
export function instantiateCore(
  memory: WebAssembly.Memory,
  module: WebAssembly.Module = coreModule(),
): CoreExports {
  const abort = (): never => {
    throw libraryError(codes.CORE_ABORTED, 'sanswitch: the WASM core aborted');
  };
  const { exports } = instantiateSync(module, { env: { memory, abort } });
  return exports as unknown as CoreExports;
}
