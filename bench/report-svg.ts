// Draws collected results as a hand-written SVG chart for `--svg FILE`: one group of bars per
// suite, case and metric, each bar the subject's ratio to its suite's baseline on a log scale,
// drawn so that right of the centre line is always better (latency and CPU are inverted).
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { Metric, Result, ResultCollector } from './results.js';
import { baselineOf, formatValue, subjectLabel } from './report.js';

const WIDTH = 980;
const LABEL_RIGHT = 262;
const AXIS_LEFT = 280;
const AXIS_RIGHT = 760;
const VALUE_LEFT = 772;
const ROW_HEIGHT = 22;
const HEADER_HEIGHT = 26;
const GROUP_GAP = 12;
const TOP = 78;
/** The axis spans at least 1/10× to 10× and at most 1/1000× to 1000× (beyond: clipped). */
const MIN_DECADES = 1;
const MAX_DECADES = 3;
const COLOURS = ['#2f6fbf', '#8c8c8c', '#e08a2c', '#3f9b5a', '#a05ab8', '#c8504b'];

const METRIC_TITLES: Record<Metric, [string, boolean]> = {
  rtt_p50_us: ['round trip, median', false],
  rtt_p99_us: ['round trip, 99th percentile', false],
  bytes_per_s: ['throughput', true],
  msgs_per_s: ['message rate', true],
  conns_per_s: ['connection rate', true],
  reqs_per_s: ['request rate', true],
  idle_cpu_ms: ['CPU time of an idle connection', false],
};

interface Bar {
  result: Result;
  /** The ratio the table prints: value ÷ baseline value. */
  ratio: number;
  /** log10 of how many times better than the baseline (negative: worse). */
  advantage: number;
  isBaseline: boolean;
}

interface Group {
  title: string;
  bars: Bar[];
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function groupsOf(collector: ResultCollector): Group[] {
  const all = collector.results;
  const groups = new Map<string, Group>();
  for (const result of all) {
    const baselineName = collector.baseline(result.suite);
    const base = baselineOf(result, all, baselineName);
    if (!base || base.value <= 0 || !(result.value > 0)) continue;
    const key = `${result.suite}\u0000${result.case}\u0000${result.metric}`;
    const [name, higherIsBetter] = METRIC_TITLES[result.metric];
    const direction = higherIsBetter ? 'higher is better' : 'lower is better';
    const title = `${name} · ${result.suite} ${result.case} · ${direction} · vs ${baselineName}`;
    const group = groups.get(key) ?? { title, bars: [] };
    groups.set(key, group);
    const ratio = result.value / base.value;
    const advantage = Math.log10(higherIsBetter ? ratio : 1 / ratio);
    group.bars.push({ result, ratio, advantage, isBaseline: result === base });
  }
  return [...groups.values()];
}

/** The horizontal scale: log10 advantage → x, over ±`decades` around the centre line. */
class Scale {
  readonly centre = (AXIS_LEFT + AXIS_RIGHT) / 2;
  readonly decades: number;
  readonly #perDecade: number;

  constructor(groups: Group[]) {
    const widest = Math.max(0, ...groups.flatMap((g) => g.bars.map((b) => Math.abs(b.advantage))));
    this.decades = Math.min(MAX_DECADES, Math.max(MIN_DECADES, Math.ceil(widest - 1e-9)));
    this.#perDecade = (AXIS_RIGHT - AXIS_LEFT) / 2 / this.decades;
  }

  /** x of `advantage`, clipped to the axis. */
  x(advantage: number): number {
    const clipped = Math.max(-this.decades, Math.min(this.decades, advantage));
    return this.centre + clipped * this.#perDecade;
  }

  /** Grid positions: every decade, plus 2× and 5× when the axis spans only one. */
  ticks(): { advantage: number; label: string; major: boolean }[] {
    const steps = this.decades === 1 ? [0, Math.log10(2), Math.log10(5)] : [0];
    const ticks = [];
    for (let decade = -this.decades; decade <= this.decades; decade++) {
      for (const step of steps) {
        const advantage = decade + step;
        if (Math.abs(advantage) > this.decades + 1e-9) continue;
        ticks.push({ advantage, label: tickLabel(advantage), major: step === 0 });
      }
    }
    return ticks;
  }
}

function tickLabel(advantage: number): string {
  if (Math.abs(advantage) < 1e-9) return 'same';
  const times = Number((10 ** Math.abs(advantage)).toPrecision(2));
  return `${times}× ${advantage > 0 ? 'better' : 'worse'}`;
}

/** One group's header, grid and bars, drawn from `top`; returns its SVG lines and height. */
function drawGroup(group: Group, scale: Scale, colours: Map<string, string>, top: number) {
  const lines = [`<text x="12" y="${top + 17}" class="group">${escape(group.title)}</text>`];
  const rowsTop = top + HEADER_HEIGHT;
  const rowsBottom = rowsTop + group.bars.length * ROW_HEIGHT;
  for (const tick of scale.ticks()) {
    const x = scale.x(tick.advantage);
    const kind = tick.advantage === 0 ? 'one' : tick.major ? 'grid' : 'minor';
    lines.push(`<line x1="${x}" y1="${rowsTop}" x2="${x}" y2="${rowsBottom}" class="${kind}"/>`);
  }
  group.bars.forEach((bar, index) => {
    const mid = rowsTop + index * ROW_HEIGHT + ROW_HEIGHT / 2;
    const label = escape(subjectLabel(bar.result));
    lines.push(`<text x="${LABEL_RIGHT}" y="${mid + 4}" class="label">${label}</text>`);
    const fill =
      bar.result.note === undefined ? colours.get(bar.result.subject)! : 'url(#offTransport)';
    const end = scale.x(bar.advantage);
    const [left, width] = bar.isBaseline
      ? [scale.centre - 2, 4]
      : [Math.min(scale.centre, end), Math.max(1, Math.abs(end - scale.centre))];
    lines.push(`<rect x="${left}" y="${mid - 7}" width="${width}" height="14" fill="${fill}"/>`);
    const digits = bar.ratio >= 100 ? 0 : bar.ratio >= 10 ? 1 : 2;
    const ratio = bar.isBaseline ? 'baseline' : `${bar.ratio.toFixed(digits)}×`;
    const value = escape(`${formatValue(bar.result.value, bar.result.unit)}  (${ratio})`);
    lines.push(`<text x="${VALUE_LEFT}" y="${mid + 4}" class="value">${value}</text>`);
  });
  return { lines, height: rowsBottom - top + GROUP_GAP };
}

/** Tick labels above the first group and below the last. */
function drawAxisLabels(scale: Scale, bottom: number): string[] {
  return scale
    .ticks()
    .filter((tick) => tick.major || scale.decades === 1)
    .flatMap((tick) => {
      const x = scale.x(tick.advantage);
      return [TOP - 8, bottom + 14].map(
        (y) => `<text x="${x}" y="${y}" class="tick">${tick.label}</text>`,
      );
    });
}

const STYLE =
  '.title{font-size:18px;font-weight:bold}.meta{font-size:12px;fill:#555}' +
  '.group{font-size:13px;font-weight:bold;fill:#222}.label{font-size:12px;text-anchor:end;fill:#222}' +
  '.value{font-size:12px;fill:#222}.tick{font-size:11px;text-anchor:middle;fill:#555}' +
  '.grid{stroke:#d8d8d8}.minor{stroke:#eee}.one{stroke:#333;stroke-width:1.5}';

const HATCH =
  '<pattern id="offTransport" width="6" height="6" patternUnits="userSpaceOnUse" ' +
  'patternTransform="rotate(45)"><rect width="6" height="6" fill="#bbb"/>' +
  '<line x1="0" y1="0" x2="0" y2="6" stroke="#666" stroke-width="3"/></pattern>';

/** The chart's SVG text (a complete document). */
export function renderSvg(collector: ResultCollector, quick: boolean): string {
  const groups = groupsOf(collector);
  const scale = new Scale(groups);
  const colours = new Map<string, string>();
  for (const { result } of groups.flatMap((group) => group.bars)) {
    if (!colours.has(result.subject)) {
      colours.set(result.subject, COLOURS[colours.size % COLOURS.length]!);
    }
  }
  const body: string[] = [];
  let y = TOP;
  for (const group of groups) {
    const drawn = drawGroup(group, scale, colours, y);
    body.push(...drawn.lines);
    y += drawn.height;
  }
  const height = y + 30;
  const date = new Date().toISOString().slice(0, 10);
  const meta =
    `${date} · Node ${process.version} · ${cpus().length} CPUs` +
    `${quick ? ' · --quick: figures not meaningful' : ''} · hatched: the connection did not ` +
    "run over the subject's own transport";
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" ` +
      `viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<style>${STYLE}</style>`,
    `<defs>${HATCH}</defs>`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    '<text x="12" y="26" class="title">sanswitch benchmarks: each figure against its ' +
      'baseline (log scale, right = better)</text>',
    `<text x="12" y="46" class="meta">${escape(meta)}</text>`,
    ...drawAxisLabels(scale, y - GROUP_GAP),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** Writes the chart of every result with a baseline to `file`. */
export function writeSvg(file: string, collector: ResultCollector, quick: boolean): void {
  writeFileSync(file, renderSvg(collector, quick));
}
