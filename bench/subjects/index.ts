// The ring subjects the ring suites measure side by side, by name; worker threads look their
// subject up here so that one worker host serves every subject.
import type { RingSubject } from './ring-subject.js';
import { ringbufJs } from './ringbuf-js.js';
import { wasmRing } from './wasm-ring.js';

/** Every ring subject, in table order; the last is the baseline the ratios divide by. */
export const RING_SUBJECTS: readonly RingSubject[] = [wasmRing, ringbufJs];

/** The subject ratios are relative to in the ring suites. */
export const RING_BASELINE = ringbufJs.name;

/** The ring subject called `name`; throws for an unknown name. */
export function ringSubject(name: string): RingSubject {
  const subject = RING_SUBJECTS.find((candidate) => candidate.name === name);
  if (!subject) throw new Error(`unknown ring subject ${name}`);
  return subject;
}
