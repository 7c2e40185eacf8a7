// Suite `net-msg-rate`: one-way 64 B messages (one write each) from one process to another,
// as fast as back-pressure allows, timed to the receiver's last byte.
import type { Suite } from '../suite.js';
import { measureStream } from './net-stream.js';

const SUITE = 'net-msg-rate';
const MESSAGE_BYTES = 64;
const MESSAGES = 500_000;
const RUNS = 3;

/** Small-message rate, sanswitch vs node:net. */
export const netMsgRate: Suite = {
  name: SUITE,
  description: `${MESSAGES} one-way 64 B writes; median and min–max of ${RUNS} runs`,
  run: (context) =>
    measureStream(context, {
      suite: SUITE,
      case: `${MESSAGE_BYTES}B`,
      writeBytes: MESSAGE_BYTES,
      totalBytes: (context.quick ? MESSAGES / 10 : MESSAGES) * MESSAGE_BYTES,
      runs: context.quick ? 1 : RUNS,
      metric: 'msgs_per_s',
      unit: 'msg/s',
      rate: (bytes, seconds) => bytes / MESSAGE_BYTES / seconds,
    }),
};
