// The queues between the WASM core and libfabric for one domain: one completion ring that
// the shim fills from the domain's completion queue, and one submission ring per endpoint
// that the shim posts from. The rings are the core's own (assembly/ring.ts, queue.ts): the
// core writes work requests and reads completions, so only numbers cross into it.
import type { ProcessCore } from '../../wasm/process-core.js';
import { CQE_BYTES, SQE_BYTES } from '../../wasm/layout.generated.js';
import { statusToError } from '../../errors.js';
import type { FabricAddon } from './native.js';

/** One completion as the core read it. */
export interface FabricCompletion {
  /** The work request's user_data. */
  userData: number;
  /** Bytes moved (a receive's length; 0 for sends and RDMA) or a negative errno. */
  result: number;
  /** The work request's opcode (OP_SEND, OP_RECV, OP_RDMA_WRITE, OP_RDMA_READ). */
  opcode: number;
}

/** Completions held between the shim and the core (the domain's CQ holds 4096 more). */
const COMPLETION_SLOTS = 1024;

/** A ring in the core's memory with one endpoint (private block) on the core's side. */
interface CoreRing {
  shared: number;
  bytes: number;
  local: number;
  capacity: number;
}

function openRing(pc: ProcessCore, capacity: number, slotBytes: number): CoreRing {
  const bytes = pc.core.ringBytes(capacity, slotBytes);
  const shared = pc.allocRegion(bytes);
  const local = pc.allocLocal();
  pc.core.ringFormat(shared);
  const status = pc.core.ringAttach(local, shared, capacity, slotBytes);
  if (status < 0) {
    pc.freeLocal(local);
    pc.freeRegion(shared, bytes);
    throw statusToError(status, { syscall: 'ringAttach' });
  }
  return { shared, bytes, local, capacity };
}

function closeRing(pc: ProcessCore, ring: CoreRing): void {
  pc.freeLocal(ring.local);
  pc.freeRegion(ring.shared, ring.bytes);
}

/** Work requests of one endpoint, written by the core and posted by the shim. */
export class SubmissionQueue {
  readonly #pc: ProcessCore;
  readonly #addon: FabricAddon;
  readonly #endpoint: number;
  readonly #ring: CoreRing;
  #closed = false;

  constructor(pc: ProcessCore, addon: FabricAddon, endpoint: number, capacity: number) {
    this.#pc = pc;
    this.#addon = addon;
    this.#endpoint = endpoint;
    this.#ring = openRing(pc, capacity, SQE_BYTES);
  }

  /**
   * Queues one work request (posted at the next submit). `local` is an absolute address in
   * the core's memory inside region `localRegion`; RDMA requests address `remoteOffset` in
   * the endpoint's peer region `remoteSlot`. Returns 0, or -EAGAIN when the queue is full.
   */
  push(
    opcode: number,
    length: number,
    userData: number,
    local: number,
    localRegion: number,
    remoteOffset = 0,
    remoteSlot = 0,
  ): number {
    return this.#pc.core.sqPush(
      this.#ring.local,
      opcode,
      0,
      length,
      userData,
      local,
      localRegion,
      remoteOffset,
      remoteSlot,
    );
  }

  /**
   * Publishes what push queued and has the shim post it. Returns how many it posted (fewer
   * when libfabric's transmit queue is full: submit again after completions), or a negative
   * errno (-EINVAL for a request outside its region).
   */
  submit(): number {
    if (this.#closed) return 0;
    this.#pc.core.ringCommit(this.#ring.local);
    const view = this.#pc.view();
    return this.#addon.fabricPost(this.#endpoint, view, this.#ring.shared, this.#ring.capacity);
  }

  /** The core's (producer) endpoint of the ring, for core functions that queue requests. */
  get local(): number {
    return this.#ring.local;
  }

  /** Work requests queued and not yet posted. */
  get pending(): number {
    return this.#pc.core.ringPending(this.#ring.local);
  }

  /** Frees the ring; call after the endpoint is closed. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeRing(this.#pc, this.#ring);
  }
}

/** The completion ring of one domain. */
export class CompletionQueue {
  readonly #pc: ProcessCore;
  readonly #addon: FabricAddon;
  readonly #domain: number;
  readonly #ring: CoreRing;
  #closed = false;

  constructor(pc: ProcessCore, addon: FabricAddon, domain: number) {
    this.#pc = pc;
    this.#addon = addon;
    this.#domain = domain;
    this.#ring = openRing(pc, COMPLETION_SLOTS, CQE_BYTES);
  }

  /**
   * Moves every completion libfabric holds into the ring and hands each to `each`, in order.
   * Reading the completion queue is also what makes libfabric progress (its tcp provider has
   * no thread of its own). Returns how many were handed over, or a negative errno.
   */
  drain(each: (completion: FabricCompletion) => void): number {
    if (this.#closed) return 0;
    const { core } = this.#pc;
    let handed = 0;
    for (;;) {
      const view = this.#pc.view();
      const written = this.#addon.fabricComplete(
        this.#domain,
        view,
        this.#ring.shared,
        this.#ring.capacity,
      );
      if (written < 0) return handed > 0 ? handed : written;
      let cqe = core.cqFront(this.#ring.local);
      while (cqe >= 0) {
        const completion = {
          userData: core.cqeUserData(cqe),
          result: core.cqeResult(cqe),
          opcode: core.cqeFlags(cqe),
        };
        core.ringAdvance(this.#ring.local);
        handed++;
        each(completion);
        cqe = core.cqFront(this.#ring.local);
      }
      core.ringRelease(this.#ring.local);
      if (written < this.#ring.capacity) return handed;
    }
  }

  /** Frees the ring; call after the domain is closed. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeRing(this.#pc, this.#ring);
  }
}
