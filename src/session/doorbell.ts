// How a session conduit wakes its peer. The shm provider plugs in the native eventfd; the
// in-process tests plug in a double. The peer's side calls the conduit's wake() when rung.

/** Wakes the peer's receive path. Called on the main thread; must not block. */
export interface Doorbell {
  /**
   * Rings the peer. The conduit calls it only when the peer published that it sleeps
   * (parked on its receive ring, or waiting for credits) or after a reset.
   */
  ring(): void;
}
