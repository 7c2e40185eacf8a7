// The third leg of a SAN provider's handshake (BLK-2): an answered connection reaches
// accept() only once the connector's NEGOTIATE is in the segment, the connector's
// commitment, so a client that abandons its connect as the answer arrives (its own timeout,
// its signal) leaves no connection behind in the server's application. What never confirms
// is dropped on a timer. The shm and fabric providers share it.
import type { SessionConduit } from './conduit.js';

/** How long an answered connector may take to confirm, in milliseconds. */
export const CONFIRM_TIMEOUT_MS = 2000;

interface Pending {
  timer: NodeJS.Timeout;
  forget: () => void;
}

/** Answered connections waiting for their connector's NEGOTIATE. Main thread only. */
export class ConfirmQueue<C extends SessionConduit> {
  readonly #pending = new Map<C, Pending>();
  readonly #confirmed: C[] = [];
  readonly #onConfirmed: () => void;
  #refed = true;

  /** `onConfirmed` runs, synchronously, each time a connection confirms. */
  constructor(onConfirmed: () => void) {
    this.#onConfirmed = onConfirmed;
  }

  /**
   * Holds `conduit` until its connector negotiates. Confirmation is delivered synchronously
   * from the conduit's own `negotiated` event, so the application's listeners are attached
   * before anything the connector sent after it (even an immediate FIN) is emitted.
   */
  add(conduit: C): void {
    const drop = (): void => {
      this.#forget(conduit);
      conduit.resetAndDestroy();
    };
    const confirm = (): void => {
      this.#forget(conduit);
      this.#confirmed.push(conduit);
      this.#onConfirmed();
    };
    conduit.once('negotiated', confirm);
    conduit.on('error', drop);
    conduit.once('end', drop);
    conduit.once('close', drop);
    const timer = setTimeout(drop, CONFIRM_TIMEOUT_MS);
    if (!this.#refed) {
      timer.unref();
      conduit.unref();
    }
    const forget = (): void => {
      clearTimeout(timer);
      conduit.off('negotiated', confirm);
      conduit.off('error', drop);
      conduit.off('end', drop);
      conduit.off('close', drop);
    };
    this.#pending.set(conduit, { timer, forget });
  }

  /** The oldest confirmed connection, or undefined. */
  take(): C | undefined {
    return this.#confirmed.shift();
  }

  #forget(conduit: C): void {
    this.#pending.get(conduit)?.forget();
    this.#pending.delete(conduit);
  }

  ref(): void {
    this.#refed = true;
    for (const [conduit, { timer }] of this.#pending) {
      timer.ref();
      conduit.ref();
    }
  }

  unref(): void {
    this.#refed = false;
    for (const [conduit, { timer }] of this.#pending) {
      timer.unref();
      conduit.unref();
    }
  }

  /** Resets every connection not yet taken (the listener closed). */
  close(): void {
    for (const conduit of [...this.#pending.keys()]) {
      this.#forget(conduit);
      conduit.resetAndDestroy();
    }
    for (const conduit of this.#confirmed.splice(0)) conduit.resetAndDestroy();
  }
}
