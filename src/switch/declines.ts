// What a listener remembers of the SAN requests its providers declined for want of resources,
// so that the TCP connection the declined client makes next reports `san-declined` on this
// end too. A client is known here only by its address: the TCP retry comes from another
// port, so a TCP client from that address within DECLINE_MEMORY_MS takes one remembered
// decline. Main thread only.

/** How long a decline waits for its client's TCP connection, in milliseconds. */
export const DECLINE_MEMORY_MS = 5000;

/** Declines per client address, oldest first, each with when it happened. */
export class DeclineLedger {
  readonly #byAddress = new Map<string, number[]>();

  /** A request from `address` was declined now. */
  record(address: string, now = performance.now()): void {
    const times = this.#byAddress.get(address) ?? [];
    times.push(now);
    this.#byAddress.set(address, times);
  }

  /** Whether a TCP client from `address` is the retry of a remembered decline (it is used up). */
  take(address: string | undefined, now = performance.now()): boolean {
    if (address === undefined) return false;
    const times = this.#byAddress.get(address);
    if (!times) return false;
    while (times.length > 0 && now - (times[0] as number) > DECLINE_MEMORY_MS) times.shift();
    const found = times.shift() !== undefined;
    if (times.length === 0) this.#byAddress.delete(address);
    return found;
  }
}
