// Suite `net-large`: 4 MiB messages (the shm provider's rendezvous RDMA path), 256 MiB per
// run, from plain Buffers and from one registered buffer (no staging copy on the sender).
import type { Suite } from '../suite.js';
import { measureStream } from './net-stream.js';

const SUITE = 'net-large';
const MESSAGE_BYTES = 4 * 2 ** 20;
const MESSAGES = 64;
const RUNS = 3;

/**
 * The buffer kinds measured. node:net has no registered memory: its `4MiB-registered` rows
 * write the same plain Buffer, the best it can do.
 */
const BUFFER_CASES = [
  { case: '4MiB', registered: false },
  { case: '4MiB-registered', registered: true },
] as const;

/** Large-message throughput, sanswitch vs node:net. */
export const netLarge: Suite = {
  name: SUITE,
  description: `${MESSAGES} writes of 4 MiB, plain and registered; median and min–max of ${RUNS} runs`,
  async run(context) {
    for (const bufferCase of BUFFER_CASES) {
      await measureStream(context, {
        suite: SUITE,
        case: bufferCase.case,
        writeBytes: MESSAGE_BYTES,
        registered: bufferCase.registered,
        totalBytes: (context.quick ? MESSAGES / 8 : MESSAGES) * MESSAGE_BYTES,
        runs: context.quick ? 1 : RUNS,
        metric: 'bytes_per_s',
        unit: 'B/s',
        rate: (bytes, seconds) => bytes / seconds,
      });
    }
  },
};
