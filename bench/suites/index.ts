// Every benchmark suite `npm run bench` knows, in the order it runs them.
import type { Suite } from '../suite.js';
import { ringSingleThread } from './ring-single-thread.js';
import { ringTwoThreads } from './ring-two-threads.js';

/** All suites; `--suite NAME` selects among them. */
export const SUITES: readonly Suite[] = [ringSingleThread, ringTwoThreads];
