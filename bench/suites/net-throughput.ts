// Suite `net-throughput`: 1 GiB sent in 64 KiB writes from one process to another, timed to
// the receiver's last byte.
import type { Suite } from '../suite.js';
import { measureStream } from './net-stream.js';

const SUITE = 'net-throughput';
const WRITE_BYTES = 64 * 1024;
const TOTAL_BYTES = 2 ** 30;
const RUNS = 3;

/** Bulk throughput, sanswitch vs node:net. */
export const netThroughput: Suite = {
  name: SUITE,
  description: `1 GiB in 64 KiB writes to another process; median and min–max of ${RUNS} runs`,
  run: (context) =>
    measureStream(context, {
      suite: SUITE,
      case: '64KiB',
      writeBytes: WRITE_BYTES,
      totalBytes: context.quick ? TOTAL_BYTES / 16 : TOTAL_BYTES,
      runs: context.quick ? 1 : RUNS,
      metric: 'bytes_per_s',
      unit: 'B/s',
      rate: (bytes, seconds) => bytes / seconds,
    }),
};
