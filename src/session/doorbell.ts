// How a session conduit wakes its peer. The shm provider plugs in the native eventfd; the
// fabric provider, whose peer cannot see this side's segment, copies it over and wakes the
// peer after every publication, and pulls the peer's bulk bytes when they are read; the
// in-process tests plug in a double. The peer's side calls the conduit's wake() when rung.

/** Wakes the peer's receive path. Called on the main thread; must not block. */
export interface Doorbell {
  /**
   * Rings the peer. The conduit calls it only when the peer published that it sleeps
   * (parked on its receive ring, or waiting for credits) or after a reset.
   */
  ring(): void;
  /**
   * Optional: runs once the session is attached to its segment (`ses`: the address of its
   * private block), before its first publication.
   */
  attach?(ses: number): void;
  /**
   * Optional: runs after every publication of this side (its rings, heads, flags), whether
   * or not the peer must be rung: a transport whose peer has its own copy of the segment
   * sends what changed now.
   */
  sync?(): void;
  /**
   * Optional: runs at the start of every pump step: a transport that moves the peer's
   * changes into this side's segment only while it is polled (libfabric's tcp provider)
   * makes progress here.
   */
  poll?(): void;
  /**
   * Optional: brings the `length` bytes at `address` of this side's segment, the rest of a
   * read-based RNDV that lies in the peer's bulk half (SES-9a, validated by the core), from
   * the peer's copy of the segment into this side's by RDMA READ, and calls `done` once they
   * landed (true) or the read failed (false: the connection is lost). One at a time: the
   * stream waits for it. Without this hook the bytes are already there (shm maps the peer's
   * half itself).
   */
  fetch?(address: number, length: number, done: (landed: boolean) => void): void;
  /**
   * Optional: the conduit closed (`abortive`: by a reset, or over unread data). A transport
   * that still sends this side's last publications (its FIN, its RST) calls `release` once
   * it no longer reads the session's state, which is freed then; without this hook it is
   * freed at once.
   */
  close?(release: () => void, abortive: boolean): void;
}
