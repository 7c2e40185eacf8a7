// Suite `net-large`: 4 MiB messages (the size where the shm provider switches to its
// rendezvous, single-copy path), 256 MiB per run, from plain Buffers.
import type { Suite } from '../suite.js';
import { measureStream } from './net-stream.js';

const SUITE = 'net-large';
const MESSAGE_BYTES = 4 * 2 ** 20;
const MESSAGES = 64;
const RUNS = 3;

/**
 * The buffer kinds measured. Sends from registered buffers (issue 5) become a second case,
 * `4MiB-registered`, once the public API can register one; no figure is reported for it
 * until then.
 */
const BUFFER_CASES = [{ case: '4MiB', buffers: 'plain' }] as const;

/** Large-message throughput, sanswitch vs node:net. */
export const netLarge: Suite = {
  name: SUITE,
  description: `${MESSAGES} writes of 4 MiB from plain Buffers; median and min–max of ${RUNS} runs`,
  async run(context) {
    for (const bufferCase of BUFFER_CASES) {
      await measureStream(context, {
        suite: SUITE,
        case: bufferCase.case,
        writeBytes: MESSAGE_BYTES,
        totalBytes: (context.quick ? MESSAGES / 8 : MESSAGES) * MESSAGE_BYTES,
        runs: context.quick ? 1 : RUNS,
        metric: 'bytes_per_s',
        unit: 'B/s',
        rate: (bytes, seconds) => bytes / seconds,
      });
    }
    context.log(`${SUITE}: 4 MiB from registered buffers not measured (needs issue 5's API)`);
  },
};
