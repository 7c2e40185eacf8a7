// The process's one shared WebAssembly.Memory and core instance, and how that memory is
// divided: the core's static data, then private blocks (ring endpoints' trusted state),
// then page-aligned regions for rings and shared-memory windows.
//
//   0 ─ heapBase ─ PRIVATE_ARENA_END (1 MiB) ─────────────── memory.buffer.byteLength
//   │ core data │ private blocks (64 B)   │ regions (4 KiB-aligned, windows map here) │
import { createCoreMemory, instantiateCore, type CoreExports, WASM_PAGE_BYTES } from './core.js';
import { ExtentAllocator } from './extent-allocator.js';
import { RING_LOCAL_BYTES } from './layout.generated.js';
import { systemError } from '../errors.js';

/** End of the private arena in bytes; shared windows are never mapped below it. */
export const PRIVATE_ARENA_END = 1 << 20;
/** Alignment of regions, in bytes: the kernel page, so a memfd can be mapped over one. */
export const REGION_ALIGN_BYTES = 4096;

/**
 * A shared memory, a core instance over it, and its allocators. Methods are for the thread
 * that created it; other threads instantiate the core over `memory` themselves.
 */
export class ProcessCore {
  readonly memory: WebAssembly.Memory;
  readonly core: CoreExports;
  readonly #blocks: ExtentAllocator;
  readonly #regions: ExtentAllocator;
  #view: Uint8Array;

  constructor(memory: WebAssembly.Memory = createCoreMemory()) {
    this.memory = memory;
    this.core = instantiateCore(memory);
    const base = Math.ceil(this.core.heapBase() / RING_LOCAL_BYTES) * RING_LOCAL_BYTES;
    if (memory.buffer.byteLength < PRIVATE_ARENA_END) {
      memory.grow((PRIVATE_ARENA_END - memory.buffer.byteLength) / WASM_PAGE_BYTES);
    }
    this.#blocks = new ExtentAllocator(base, PRIVATE_ARENA_END, RING_LOCAL_BYTES);
    this.#view = new Uint8Array(memory.buffer);
    this.#regions = new ExtentAllocator(
      PRIVATE_ARENA_END,
      memory.buffer.byteLength,
      REGION_ALIGN_BYTES,
    );
  }

  /**
   * A Uint8Array over the whole memory as it is now, for the native shim's calls that take
   * one. Cached, and made again only after the memory grew, so that a call per message
   * allocates nothing.
   */
  view(): Uint8Array {
    if (this.#view.byteLength !== this.memory.buffer.byteLength) {
      this.#view = new Uint8Array(this.memory.buffer);
    }
    return this.#view;
  }

  /**
   * A private block of RING_LOCAL_BYTES for one ring endpoint. Throws ENOBUFS when the arena
   * is full.
   */
  allocLocal(): number {
    const address = this.#blocks.allocate(RING_LOCAL_BYTES);
    if (address < 0) throw systemError('ENOBUFS', { syscall: 'allocLocal' });
    return address;
  }

  /** Returns a block from allocLocal. */
  freeLocal(address: number): void {
    this.#blocks.free(address, RING_LOCAL_BYTES);
  }

  /**
   * A 4 KiB-aligned region of at least `bytes`, growing the memory when needed (existing
   * addresses stay valid: shared memories grow in place). Throws ENOBUFS past the maximum.
   */
  allocRegion(bytes: number): number {
    let address = this.#regions.allocate(bytes);
    if (address < 0) {
      const missing = Math.ceil(bytes / REGION_ALIGN_BYTES) * REGION_ALIGN_BYTES;
      try {
        this.memory.grow(Math.ceil(missing / WASM_PAGE_BYTES));
      } catch {
        // Past the memory's maximum: the process has no room for another region.
        throw systemError('ENOBUFS', { syscall: 'allocRegion' });
      }
      this.#regions.extendTo(this.memory.buffer.byteLength);
      address = this.#regions.allocate(bytes);
      if (address < 0) throw systemError('ENOBUFS', { syscall: 'allocRegion' });
    }
    return address;
  }

  /** Returns a region from allocRegion. */
  freeRegion(address: number, bytes: number): void {
    this.#regions.free(address, bytes);
  }
}

let shared: ProcessCore | undefined;

/** The process's ProcessCore, created on first use. Main thread only. */
export function processCore(): ProcessCore {
  shared ??= new ProcessCore();
  return shared;
}
