// The contract a single-producer single-consumer message ring implements to be measured by
// the ring suites, and the message cases they measure it on. Every message carries its
// sequence number in its first and last 4 bytes, and the consumer checks both.

/** A message size the ring suites measure. */
export interface MessageCase {
  /** Case name in the results, e.g. `64B`. */
  readonly name: string;
  /** Payload bytes per message (a multiple of 4, at least 8). */
  readonly payloadBytes: number;
}

/** The sizes the issue asks for: small messages (rate-bound) and large ones (copy-bound). */
export const MESSAGE_CASES: readonly MessageCase[] = [
  { name: '64B', payloadBytes: 64 },
  { name: '64KiB', payloadBytes: 64 * 1024 },
];

/** Storage every subject's ring gets, in bytes (1 MiB), so that they compete on equal room. */
export const RING_STORAGE_BYTES = 1 << 20;

/** The sending end, owned by one thread. */
export interface MessageProducer {
  /**
   * Sends the next `count` messages (sequence numbers continue across calls), spinning
   * while the ring is full. Everything sent is visible to the consumer when it returns.
   */
  send(count: number): void;
}

/** The receiving end, owned by one thread. */
export interface MessageConsumer {
  /**
   * Receives the next `count` messages, spinning while the ring is empty, and throws when
   * a message has the wrong length or sequence number. Frees their room before returning.
   */
  receive(count: number): void;
}

/**
 * A ring implementation under test. `Handle` must survive `postMessage` (the suites send it
 * to worker threads), so it holds only shared memory, modules and numbers.
 */
export interface RingSubject<Handle = unknown> {
  /** Subject name in the results, e.g. `wasm-ring`. */
  readonly name: string;
  /** Main thread: a new empty ring for messages of `payloadBytes`. */
  create(payloadBytes: number): Handle;
  /** Main thread, once no end is in use: releases what `create` took. */
  destroy(handle: Handle): void;
  /** Opens the producing end in the calling thread. */
  openProducer(handle: Handle): MessageProducer;
  /** Opens the consuming end in the calling thread. */
  openConsumer(handle: Handle): MessageConsumer;
}

/** The error a consumer throws on a message that was not the one it expected. */
export function sequenceError(
  subject: string,
  expected: number,
  length: number,
  first: number,
  last: number,
): Error {
  return new Error(
    `${subject}: expected message ${expected}, got length ${length} with sequence ` +
      `numbers ${first} (first word) and ${last} (last word)`,
  );
}
