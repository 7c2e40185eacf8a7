// One side's copy of a fabric connection's segment (its "image") in the process's WASM
// memory, followed by the wake-up buffers, and the libfabric registration that lets the peer
// RDMA WRITE into it and READ from it. Created before the connection's CONNECT or ACCEPT,
// which carries its key; released after the endpoint closes, so that no write can land in
// reused memory.
import { FAB_NOTIFY_BYTES } from '../../wasm/layout.generated.js';
import { formatSegment, segmentBytes, type SessionGeometry } from '../../session/geometry.js';
import { statusToError } from '../../errors.js';
import type { FabricDomain } from './domain.js';
import type { ImageOffer } from './wire.js';

/**
 * Registration access bits of fabricRegister: the peer writes its publications into the image
 * and reads the rest of this side's read-based sends from it (SES-9a). The image holds
 * nothing but this one connection's state, which the peer may see whole.
 */
const REMOTE_READ_WRITE = 3;

/** An image, formatted and registered. Main thread only. */
export class FabricImage {
  readonly domain: FabricDomain;
  readonly geometry: SessionGeometry;
  /** Absolute address of the image (the segment the session attaches to). */
  readonly address: number;
  /** Bytes of the segment; the wake-up buffers follow at `address + bytes`. */
  readonly bytes: number;
  /** The registration's id in the shim. */
  readonly region: number;
  readonly #allocated: number;
  #released = false;

  /** Throws ENOBUFS when the memory is full, or the shim's status (fi_mr_reg). */
  constructor(domain: FabricDomain, geometry: SessionGeometry) {
    const { pc, addon } = domain;
    this.domain = domain;
    this.geometry = geometry;
    this.bytes = segmentBytes(pc.core, geometry);
    this.#allocated = this.bytes + FAB_NOTIFY_BYTES;
    this.address = pc.allocRegion(this.#allocated);
    const view = pc.view();
    view.fill(0, this.address, this.address + this.#allocated);
    formatSegment(pc.core, this.address, geometry);
    const region = addon.fabricRegister(
      domain.id,
      view,
      this.address,
      this.#allocated,
      REMOTE_READ_WRITE,
    );
    if (region < 0) {
      pc.freeRegion(this.address, this.#allocated);
      throw statusToError(region, { syscall: 'fi_mr_reg' });
    }
    this.region = region;
  }

  /** Address of the wake-up buffers (FAB_NOTIFY_BYTES). */
  get notify(): number {
    return this.address + this.bytes;
  }

  /** What the peer needs to write into this image (CONNECT, ACCEPT). */
  offer(): ImageOffer {
    const { key, address } = this.domain.addon.fabricRegion(this.region);
    return { geometry: this.geometry, key, address, bytes: this.bytes };
  }

  /** Deregisters and frees the memory; call once the endpoint is closed. Idempotent. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.domain.addon.fabricClose(this.region);
    this.domain.pc.freeRegion(this.address, this.#allocated);
  }
}
