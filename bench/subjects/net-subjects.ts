// The network subjects the net-* suites measure side by side, by name; peer processes look
// their subject up here.
import type { NetSubject } from './net-subject.js';
import { nodeTcp } from './net-node-tcp.js';
import { nodeUds } from './net-node-uds.js';
import { sanswitchShm } from './net-sanswitch-shm.js';
import { sanswitchFabric } from './net-sanswitch-fabric.js';

/** Every network subject, in table order. */
export const NET_SUBJECTS: readonly NetSubject[] = [
  sanswitchShm,
  nodeTcp,
  nodeUds,
  sanswitchFabric,
];

/** The subject the net-* suites' ratios divide by. */
export const NET_BASELINE = nodeTcp.name;

/** The network subject called `name`; throws for an unknown name. */
export function netSubject(name: string): NetSubject {
  const subject = NET_SUBJECTS.find((candidate) => candidate.name === name);
  if (!subject) throw new Error(`unknown network subject ${name}`);
  return subject;
}
