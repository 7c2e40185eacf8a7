// `npm run bench`: runs the selected suites one after another, then prints one table of
// every result on stdout (progress goes to stderr) and optionally writes them as JSON and
// draws them as an SVG chart.
import { loadavg } from 'node:os';
import { parseBenchArgs, USAGE } from './cli-args.js';
import { startContention } from './contention.js';
import { formatTable, writeJson } from './report.js';
import { writeSvg } from './report-svg.js';
import { ResultCollector } from './results.js';
import { SUITES } from './suites/index.js';

async function main(): Promise<number> {
  const options = parseBenchArgs(process.argv.slice(2));
  if (options.help) {
    const lines = SUITES.map((suite) => `  ${suite.name.padEnd(20)} ${suite.description}`);
    console.log(`${USAGE}\nsuites:\n${lines.join('\n')}`);
    return 0;
  }
  const unknown = options.suites.filter((name) => !SUITES.some((suite) => suite.name === name));
  if (unknown.length > 0) {
    console.error(`unknown suite(s): ${unknown.join(', ')}; see --help`);
    return 2;
  }
  const selected = SUITES.filter(
    (suite) => options.suites.length === 0 || options.suites.includes(suite.name),
  );
  const collector = new ResultCollector();
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const startMs = performance.now();
  // Figures from a shared machine are only comparable at a similar load; say what it was.
  const load = (): string =>
    loadavg()
      .map((value) => value.toFixed(2))
      .join(' ');
  log(`load average at start: ${load()}`);
  const contention = startContention(options.contend);
  if (contention.count > 0)
    log(`contention: ${contention.count} busy process(es) beside every run`);
  try {
    for (const suite of selected) {
      log(`${suite.name}: running${options.quick ? ' (quick)' : ''}`);
      await suite.run({ quick: options.quick, collector, log });
    }
  } finally {
    contention.stop();
  }
  if (contention.count > 0)
    console.log(`with ${contention.count} busy process(es) beside every run`);
  console.log(formatTable(collector));
  const seconds = ((performance.now() - startMs) / 1000).toFixed(1);
  log(`${selected.length} suite(s) in ${seconds} s; load average at end: ${load()}`);
  if (options.json !== undefined) {
    writeJson(options.json, collector, { quick: options.quick, contend: options.contend });
    log(`results written to ${options.json}`);
  }
  if (options.svg !== undefined) {
    writeSvg(options.svg, collector, options.quick);
    log(`chart written to ${options.svg}`);
  }
  return 0;
}

process.exitCode = await main();
