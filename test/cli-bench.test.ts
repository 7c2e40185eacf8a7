// `sanswitch bench` runs the side-by-side runner: a quick run of one small suite writes the
// results JSON in the runner's format (one row per subject, the transport used, a note when
// it was not the subject's own) and an SVG chart. No figure is asserted: benchmarks are not
// tests.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers/cli-process.js';
import { ResultCollector, type Result } from '../bench/results.js';
import { formatTable } from '../bench/report.js';
import { renderSvg } from '../bench/report-svg.js';

test('bench --quick --suite net-conn-rate writes JSON rows for every subject and an SVG', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sanswitch-bench-'));
  try {
    const json = join(dir, 'results.json');
    const svg = join(dir, 'chart.svg');
    const args = ['bench', '--quick', '--suite', 'net-conn-rate', '--json', json, '--svg', svg];
    const outcome = await runCli(args, { timeoutMs: 30_000 });
    assert.is(outcome.code, 0, outcome.stderr);
    assert.match(outcome.stdout, /net-conn-rate\s+1B\s+sanswitch-shm/);
    const { results, meta } = JSON.parse(readFileSync(json, 'utf8')) as {
      results: Result[];
      meta: { quick: boolean };
    };
    assert.is(meta.quick, true);
    assert.equal(
      results.map((r) => [r.suite, r.case, r.subject, r.metric, r.unit]),
      ['sanswitch-shm', 'node-tcp', 'node-uds', 'sanswitch-fabric'].map((s) => [
        'net-conn-rate',
        '1B',
        s,
        'conns_per_s',
        'conn/s',
      ]),
    );
    for (const result of results) {
      assert.ok(Number.isFinite(result.value) && result.value > 0, result.subject);
      assert.type(result.transport, 'string');
    }
    const [sanswitch, tcp, uds] = results;
    assert.is(tcp!.transport, 'tcp');
    assert.is(uds!.transport, 'uds');
    // Honest labels: a sanswitch row carries a note exactly when it did not run over shm.
    assert.is(sanswitch!.note === undefined, sanswitch!.transport === 'shm', sanswitch!.transport);
    const chart = readFileSync(svg, 'utf8');
    assert.match(chart, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(chart, 'connection rate · net-conn-rate 1B');
    assert.match(chart, /<\/svg>\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a row that ran over another transport is labelled in the table and hatched in the chart', () => {
  const collector = new ResultCollector();
  collector.setBaseline('net-rtt', 'node-tcp');
  const key = { suite: 'net-rtt', case: '64B', metric: 'rtt_p50_us', unit: 'us' } as const;
  collector.add({
    ...key,
    subject: 'sanswitch-shm',
    value: 80,
    transport: 'tcp',
    note: 'ran over tcp',
  });
  collector.add({ ...key, subject: 'node-tcp', value: 100, transport: 'tcp' });
  const table = formatTable(collector);
  assert.match(table, /sanswitch-shm \(ran over tcp\)\s+rtt_p50_us\s+80\.0 µs\s+0\.80× node-tcp/);
  const chart = renderSvg(collector, false);
  assert.match(chart, 'sanswitch-shm (ran over tcp)</text>');
  assert.match(chart, 'fill="url(#offTransport)"');
  assert.is(chart.match(/url\(#offTransport\)/g)?.length, 1);
});

test('bench with an unknown suite exits non-zero and says so', async () => {
  const outcome = await runCli(['bench', '--suite', 'no-such-suite']);
  assert.is(outcome.code, 2);
  assert.match(outcome.stderr, 'unknown suite(s): no-such-suite');
});

test.run();
