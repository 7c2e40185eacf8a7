// The summary scripts/conformance.mjs prints and writes: from every file's two runs (plain
// node:net, and under the sanswitch preload) the counts and the ratio of files passing over
// sanswitch among those passing on node:net, which transports the sanswitch runs used, and
// the files that pass on node:net but not over sanswitch, each with a one-line reason.

/** Counts over all files; `ratio` is null when no file passes on node:net. */
export function summarize(results) {
  const baseline = results.filter((r) => r.nodeNet.status === 'pass');
  const switched = baseline.filter((r) => r.sanswitch.status === 'pass');
  return {
    files: results.length,
    passedNodeNet: baseline.length,
    skipped: results.filter((r) => r.nodeNet.status === 'skip').length,
    failedNodeNet: results.filter((r) => ['fail', 'timeout'].includes(r.nodeNet.status)).length,
    passedSanswitch: switched.length,
    ratio: baseline.length > 0 ? switched.length / baseline.length : null,
    transports: transportSummary(results, baseline),
  };
}

/** How many files' sanswitch runs had a shm connection, only other ones, or none reported. */
function transportSummary(results, baseline) {
  const hasShm = (r) => (r.sanswitch.transports.shm ?? 0) > 0;
  const hasAny = (r) => Object.keys(r.sanswitch.transports).length > 0;
  const sockets = {};
  const fallbackReasons = {};
  for (const r of results) {
    addCounts(sockets, r.sanswitch.transports);
    addCounts(fallbackReasons, r.sanswitch.fallbackReasons);
  }
  return {
    filesWithShm: results.filter(hasShm).length,
    baselineFilesWithShm: baseline.filter(hasShm).length,
    filesWithoutShm: results.filter((r) => hasAny(r) && !hasShm(r)).length,
    filesWithNoReport: results.filter((r) => !hasAny(r)).length,
    sockets,
    fallbackReasons,
  };
}

function addCounts(into, counts) {
  for (const [key, n] of Object.entries(counts)) into[key] = (into[key] ?? 0) + n;
}

/** `shm 12, node:net 3`, largest first. */
function formatCounts(counts) {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  return entries.length > 0 ? entries.map(([key, n]) => `${key} ${n}`).join(', ') : 'none';
}

/** The files that pass on node:net but not over sanswitch, in file order. */
export function regressions(results) {
  return results.filter((r) => r.nodeNet.status === 'pass' && r.sanswitch.status !== 'pass');
}

/** The report's lines, for stdout. */
export function formatReport(summary, results, run) {
  const t = summary.transports;
  const ratio = summary.ratio === null ? 'n/a' : summary.ratio.toFixed(3);
  const lines = [
    `conformance: ${run.suite} (node ${process.version}, ${run.jobs} jobs, timeout ${run.timeoutMs} ms)`,
    `files:                  ${summary.files}`,
    `passed on node:net:     ${summary.passedNodeNet}`,
    `skipped:                ${summary.skipped}`,
    `failed on node:net:     ${summary.failedNodeNet}`,
    `passed over sanswitch:  ${summary.passedSanswitch} of ${summary.passedNodeNet}`,
    `ratio:                  ${ratio}`,
    `files with a shm connection: ${t.filesWithShm} (${t.baselineFilesWithShm} passing on node:net); ` +
      `with connections but none over shm: ${t.filesWithoutShm}; with none reported: ${t.filesWithNoReport}`,
    `sockets by transport:   ${formatCounts(t.sockets)}`,
    `fallback reasons:       ${formatCounts(t.fallbackReasons)}`,
  ];
  const failedBaseline = results.filter((r) => ['fail', 'timeout'].includes(r.nodeNet.status));
  if (failedBaseline.length > 0) {
    lines.push('', `failing on node:net itself (not counted, ${failedBaseline.length}):`);
    for (const r of failedBaseline) lines.push(`  ${r.file}  ${r.nodeNet.reason}`);
  }
  const lost = regressions(results);
  lines.push('', `passing on node:net but not over sanswitch (${lost.length}):`);
  for (const r of lost) lines.push(`  ${r.file}  ${r.sanswitch.reason}`);
  return lines;
}
