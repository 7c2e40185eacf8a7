// Every benchmark suite `npm run bench` knows, in the order it runs them.
import type { Suite } from '../suite.js';
import { httpHello } from './http-hello.js';
import { netConnRate } from './net-conn-rate.js';
import { netIdleCpu } from './net-idle-cpu.js';
import { netLarge } from './net-large.js';
import { netMsgRate } from './net-msg-rate.js';
import { netRtt } from './net-rtt.js';
import { netThroughput } from './net-throughput.js';
import { ringSingleThread } from './ring-single-thread.js';
import { ringTwoThreads } from './ring-two-threads.js';

/** All suites; `--suite NAME` selects among them. */
export const SUITES: readonly Suite[] = [
  ringSingleThread,
  ringTwoThreads,
  netRtt,
  netThroughput,
  netMsgRate,
  netConnRate,
  netLarge,
  netIdleCpu,
  httpHello,
];
