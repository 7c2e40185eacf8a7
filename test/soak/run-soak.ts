// The data-path soak (issue 10): random traffic, seeded, between real processes (a server, a
// client, sometimes a proxy between them), every byte checked, processes SIGKILLed now and
// then, everything bounded in time. Over shm by default; `--transport fabric` over libfabric
// on loopback; `--transport tcp` runs the same traffic over plain node:net, where it must
// pass (it checks the checker).
// Usage: node --import tsx test/soak/run-soak.ts --seconds N --seed S [--transport shm|fabric|tcp]
//        [--max-write BYTES] [--stall-seconds N]
// Exit status: 0 when every check passed, 1 on a failure or a stall, 2 on a bad command line.
import { parseOptions, replayCommand, USAGE, type SoakOptions } from './options.js';
import { runSoak } from './orchestrator.js';

function options(): SoakOptions {
  try {
    return parseOptions(process.argv.slice(2));
  } catch (err) {
    console.error(`soak: ${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    process.exit(2);
  }
}

const soak = options();
// Children are SIGKILLed on exit (orchestrator.ts); a signal must go through exit too.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
console.log(
  `soak: seed ${soak.seed}, ${soak.transport}, ${soak.seconds} s, writes up to ` +
    `${soak.maxWrite} B, stall after ${soak.stallSeconds} s\nreplay: ${replayCommand(soak)}`,
);
const result = await runSoak(soak);
console.log(result.summary);
if (result.failure !== undefined) {
  console.error(`\nSOAK FAILED (seed ${soak.seed}, ${soak.transport}): ${result.failure}`);
  console.error(`replay: ${replayCommand(soak)}`);
}
// Explicitly: a bounded wait still pending after a failure must not hold the exit.
process.exit(result.failure === undefined ? 0 : 1);
