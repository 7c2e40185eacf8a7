// Subject `ringbuf.js`: padenot's SharedArrayBuffer byte ring (0.4.0), the JS alternative.
// It has no message framing, so each end moves exactly one message: the producer pushes
// only once the whole message fits, the consumer pops only once a whole one is there (as
// the library's own ParameterWriter/ParameterReader do).
import { RingBuffer } from 'ringbuf.js';
import {
  RING_STORAGE_BYTES,
  sequenceError,
  type MessageConsumer,
  type MessageProducer,
  type RingSubject,
} from './ring-subject.js';

/** The ring's shared storage (indices + bytes) and the message size; posts as is. */
export interface RingbufHandle {
  storage: SharedArrayBuffer;
  payloadBytes: number;
}

class RingbufProducer implements MessageProducer {
  readonly #ring: RingBuffer;
  readonly #message: Uint8Array;
  readonly #words: Uint32Array;
  #sequence = 0;

  constructor(handle: RingbufHandle) {
    this.#ring = new RingBuffer(handle.storage, Uint8Array);
    this.#message = new Uint8Array(handle.payloadBytes);
    this.#words = new Uint32Array(this.#message.buffer);
  }

  send(count: number): void {
    const ring = this.#ring;
    const message = this.#message;
    const words = this.#words;
    const lastWord = words.length - 1;
    let sequence = this.#sequence;
    const end = sequence + count;
    while (sequence < end) {
      if (ring.availableWrite() < message.length) continue;
      words[0] = sequence;
      words[lastWord] = sequence;
      ring.push(message);
      sequence++;
    }
    this.#sequence = sequence;
  }
}

class RingbufConsumer implements MessageConsumer {
  readonly #ring: RingBuffer;
  readonly #message: Uint8Array;
  readonly #words: Uint32Array;
  #sequence = 0;

  constructor(handle: RingbufHandle) {
    this.#ring = new RingBuffer(handle.storage, Uint8Array);
    this.#message = new Uint8Array(handle.payloadBytes);
    this.#words = new Uint32Array(this.#message.buffer);
  }

  receive(count: number): void {
    const ring = this.#ring;
    const message = this.#message;
    const words = this.#words;
    const lastWord = words.length - 1;
    let sequence = this.#sequence;
    const end = sequence + count;
    while (sequence < end) {
      if (ring.availableRead() < message.length) continue;
      const length = ring.pop(message);
      if (length !== message.length || words[0] !== sequence || words[lastWord] !== sequence) {
        throw sequenceError('ringbuf.js', sequence, length, words[0]!, words[lastWord]!);
      }
      sequence++;
    }
    this.#sequence = sequence;
  }
}

/** ringbuf.js over 1 MiB of byte storage, one push and one pop per message. */
export const ringbufJs: RingSubject<RingbufHandle> = {
  name: 'ringbuf.js',
  create: (payloadBytes) => ({
    storage: RingBuffer.getStorageForCapacity(RING_STORAGE_BYTES, Uint8Array),
    payloadBytes,
  }),
  destroy: () => {},
  openProducer: (handle) => new RingbufProducer(handle),
  openConsumer: (handle) => new RingbufConsumer(handle),
};
