/**
 * `bimt compare --plot <key>`: a metric against a swept config key, from the runs' records
 * (src/runs/compare.ts, the same reading as the table). Runs are grouped by the key's value; runs
 * that differ only in their seeds (SEED_KEYS) are one group, whose mean is drawn as a line with
 * markers, its min-max as a band (error bars on a categorical axis, or for a lone point) and each
 * run as a faint dot. Runs that differ in any other key form separate series, one per
 * combination of those keys, named in the legend.
 *
 * The x axis: numeric when every run's value of the key is a number, log when moreover every
 * value is positive and the largest is at least ten times the smallest (`logKeyAxis`), otherwise
 * linear; categorical, in value order, when some value is not a number (cost.aggregate: mean,
 * sum), with no line joining the categories.
 */
import { BimtError } from '../errors.js';
import { configText, defaultMetric, differingKeys, findMetric, type CompareMetric, type RunRecord } from '../runs/compare.js';
import { axesFrame, leftRoom, shortNumber, valueScale, X_AXIS_ROOM, type AxisScale } from './axes.js';
import { categorical, INK, lighten, MUTED } from './palette.js';
import { el, escapeText, fmt, svgDocument, text, textWidth, translate } from './svg.js';

/** Config keys that only reseed a run: runs that differ in these alone are repeats, averaged. */
export const SEED_KEYS: readonly string[] = ['seed', 'task.seed', 'model.seed'];

/** How a run without the key (a config that has no such section) shows on a categorical axis. */
const ABSENT = '(none)';

export type KeyAxis = 'log' | 'linear' | 'categorical';

/** One run's value of the metric. */
export interface RunValue {
  readonly run: string;
  readonly value: number;
}

/** The runs of one series at one value of the key. */
export interface GroupPoint {
  /** The key's value on a numeric axis, the category's index on a categorical one. */
  readonly x: number;
  /** The key's value as the table writes it. */
  readonly label: string;
  readonly runs: readonly RunValue[];
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

export interface PlotSeries {
  /** `key=value, ...` of the other differing keys; '' when no other key differs. */
  readonly name: string;
  /** In x order; a value of the key where no run of the series has the metric is left out. */
  readonly points: readonly GroupPoint[];
}

export interface ComparePlotData {
  readonly key: string;
  readonly metric: CompareMetric;
  /** The metric's axis title; a count names what it is out of when every run has the same total. */
  readonly label: string;
  readonly axis: KeyAxis;
  /** The category labels in axis order (categorical axis only). */
  readonly categories: readonly string[];
  readonly series: readonly PlotSeries[];
  /** The runs that have no value of the metric, left out. */
  readonly missing: readonly string[];
}

/**
 * Whether a swept key's values go on a log axis: all positive, and the largest at least ten
 * times the smallest (a decade or more; 1e-4, 1e-3, 1e-2 is log, 0.1 .. 0.5 linear). The 1e-9
 * forgives rounding in ratios such as 1e-3 / 1e-4.
 */
export function logKeyAxis(values: readonly number[]): boolean {
  if (values.length === 0 || !values.every((v) => v > 0 && Number.isFinite(v))) return false;
  return Math.log10(Math.max(...values) / Math.min(...values)) >= 1 - 1e-9;
}

/** Order of config values: numbers by size before anything else, the rest by their text. */
function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  const ta = a === undefined ? ABSENT : configText(a);
  const tb = b === undefined ? ABSENT : configText(b);
  return ta < tb ? -1 : ta > tb ? 1 : 0;
}

/** Distinct values in order (by their text; undefined for a run without the key). */
function distinct(values: readonly unknown[]): unknown[] {
  const byText = new Map<string, unknown>();
  for (const v of values) byText.set(v === undefined ? '\0absent' : configText(v), v);
  return [...byText.values()].sort(compareValues);
}

/**
 * The plot's data: `records` grouped by the value of `key` and by the other differing keys,
 * `metricName` (COMPARE_METRICS; default: test accuracy where the runs have it, else test loss)
 * averaged over the seeds. Errors name the key or metric and what is allowed.
 */
export function comparePlotData(records: readonly RunRecord[], key: string, metricName?: string): ComparePlotData {
  const metric = metricName === undefined ? defaultMetric(records) : findMetric(metricName);
  const differing = differingKeys(records);
  if (!records.some((r) => r.config.has(key))) {
    const hint = differing.length > 0 ? `keys that differ between the runs: ${differing.join(', ')}` : `the runs differ in no config key (their keys: ${[...new Set(records.flatMap((r) => [...r.config.keys()]))].sort().join(', ')})`;
    throw new BimtError(`--plot ${key}: no run has this config key; ${hint}`);
  }
  if (!differing.includes(key)) {
    const others = differing.length > 0 ? `plot against a key that differs: ${differing.join(', ')}` : 'the runs differ in no config key';
    throw new BimtError(`--plot ${key}: every run has ${key} = ${configText(records[0]!.config.get(key))}; ${others}`);
  }
  const withValue = records.filter((r) => Number.isFinite(metric.value(r)));
  if (withValue.length === 0) throw new BimtError(`--metric ${metric.name}: none of the ${records.length} runs has a value (${metric.absent})`);

  const values = distinct(records.map((r) => r.config.get(key)));
  const numeric = values.every((v) => typeof v === 'number' && Number.isFinite(v));
  const axis: KeyAxis = !numeric ? 'categorical' : logKeyAxis(values as number[]) ? 'log' : 'linear';
  const categories = axis === 'categorical' ? values.map((v) => (v === undefined ? ABSENT : configText(v))) : [];
  const xOf = (r: RunRecord): number => {
    const v = r.config.get(key);
    return axis === 'categorical' ? categories.indexOf(v === undefined ? ABSENT : configText(v)) : (v as number);
  };

  const seriesKeys = differing.filter((k) => k !== key && !SEED_KEYS.includes(k));
  const seriesName = (r: RunRecord) => seriesKeys.map((k) => `${k}=${r.config.has(k) ? configText(r.config.get(k)) : ABSENT}`).join(', ');
  // Series in the order of their keys' values, first key first.
  const order = [...records].sort((a, b) => {
    for (const k of seriesKeys) {
      const c = compareValues(a.config.get(k), b.config.get(k));
      if (c !== 0) return c;
    }
    return 0;
  });
  const names = [...new Set(order.map(seriesName))];
  const series = names.map((name): PlotSeries => {
    const groups = new Map<number, RunValue[]>();
    for (const r of withValue) {
      if (seriesName(r) !== name) continue;
      const x = xOf(r);
      groups.set(x, [...(groups.get(x) ?? []), { run: r.name, value: metric.value(r)! }]);
    }
    const points = [...groups.entries()]
      .sort(([a], [b]) => a - b)
      .map(([x, runs]): GroupPoint => {
        const vs = runs.map((p) => p.value);
        const label = axis === 'categorical' ? categories[x]! : configText(x);
        return { x, label, runs, mean: vs.reduce((s, v) => s + v, 0) / vs.length, min: Math.min(...vs), max: Math.max(...vs) };
      });
    return { name, points };
  });
  const totals = new Set(withValue.map((r) => metric.of?.(r)));
  const total = totals.size === 1 ? [...totals][0] : undefined;
  return {
    key,
    metric,
    label: total !== undefined ? `${metric.label} (of ${total})` : metric.label,
    axis,
    categories,
    series: series.filter((s) => s.points.length > 0),
    missing: records.filter((r) => !withValue.includes(r)).map((r) => r.name),
  };
}

const PLOT_W = 480;
const PLOT_H = 300;
const RIGHT = 24;
const LEGEND_GAP = 24;
const LEGEND_FONT = 11;
const LEGEND_ROW = 18;
const LEGEND_MAX_W = 320;
const TITLE_FONT = 14;
const CAPTION_FONT = 11;
/** Share of the log10 span (or of the span) left free at either end of a numeric x axis. */
const X_PAD = 0.07;

/** The x scale: decades on a log axis, rounded ticks on a linear one, one slot per category otherwise. */
function keyScale(d: ComparePlotData): AxisScale {
  if (d.axis === 'categorical') {
    const n = d.categories.length;
    const slot = PLOT_W / n;
    return { log: false, domain: [-0.5, n - 0.5], map: (i) => (i + 0.5) * slot, ticks: d.categories.map((c, i) => ({ value: i, label: fitText(c, slot - 6, 11) })) };
  }
  const xs = d.series.flatMap((s) => s.points.map((p) => p.x));
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  if (d.axis === 'log') {
    // The points' span and a margin, so no marker sits on the frame; rounded out to whole
    // decades instead when that would leave fewer than two labelled decades.
    const pad = 10 ** (X_PAD * Math.log10(hi / lo));
    const padded = valueScale([lo / pad, hi * pad], 0, PLOT_W, { log: true, exact: true });
    return padded.ticks.filter((t) => t.label !== undefined).length >= 2 ? padded : valueScale([lo, hi], 0, PLOT_W, { log: true });
  }
  const span = hi - lo || Math.abs(lo) || 1;
  return valueScale([lo - X_PAD * span, hi + X_PAD * span], 0, PLOT_W, { log: false, exact: true, ticks: 6 });
}

/** `s` cut to at most `width` pixels at `size`, with an ellipsis when cut. */
function fitText(s: string, width: number, size: number): string {
  if (textWidth(s, size) <= width) return s;
  const chars = [...s];
  const keep = Math.max(1, Math.floor(width / (size * 0.62)) - 1);
  return chars.slice(0, keep).join('') + '…';
}

/** "a=1, b=2, ..." in lines of at most `width` pixels, broken after commas; a longer item is cut. */
function wrapList(s: string, width: number, size: number): string[] {
  const lines: string[] = [];
  for (const item of s.split(', ')) {
    const last = lines.length > 0 ? `${lines[lines.length - 1]}, ${item}` : '';
    if (lines.length > 0 && textWidth(last + ',', size) <= width) lines[lines.length - 1] = last;
    else lines.push(fitText(item, width, size));
  }
  return lines.map((l, i) => (i < lines.length - 1 ? `${l},` : l));
}

/** A vertical min-max bar with caps at `px`. */
function errorBar(px: number, y0: number, y1: number, color: string): string {
  return el('path', { d: `M${fmt(px - 4)},${fmt(y0)}h8M${fmt(px)},${fmt(y0)}V${fmt(y1)}M${fmt(px - 4)},${fmt(y1)}h8`, stroke: color, 'stroke-width': 1.4, fill: 'none', class: 'spread' });
}

/** The legend's rows, beside the plot: each series, then how to read the marks. */
function legend(d: ComparePlotData, colors: readonly string[], bands: boolean): { svg: string; width: number; height: number } {
  const rows: string[] = [];
  let y = 0;
  let width = 0;
  const row = (glyph: string, label: string, fill = INK) => {
    // A long series name (runs that differ in many keys) wraps at its commas, each line cut to
    // LEGEND_MAX_W, so that the legend stays beside the plot rather than miles to its right.
    const lines = wrapList(label, LEGEND_MAX_W - 28, LEGEND_FONT);
    rows.push(glyph);
    lines.forEach((line, i) => {
      rows.push(text(line, { x: 28, y: y + 4 + i * (LEGEND_FONT + 3), 'font-size': LEGEND_FONT, fill }));
      width = Math.max(width, 28 + textWidth(line, LEGEND_FONT));
    });
    y += LEGEND_ROW + (lines.length - 1) * (LEGEND_FONT + 3);
  };
  const named = d.series.filter((s) => s.name !== '');
  named.forEach((s, j) => {
    const c = colors[j]!;
    const line = d.axis === 'categorical' ? '' : el('line', { x1: 0, x2: 20, y1: 0, y2: 0, stroke: c, 'stroke-width': 2 });
    row(el('g', { class: 'legend-series', transform: `translate(0,${fmt(y)})` }, el('title', {}, escapeText(s.name)), line, el('circle', { cx: 10, cy: 0, r: 3.5, fill: c })), s.name);
  });
  if (named.length > 0) y += 6;
  const grey = MUTED;
  row(el('g', { transform: `translate(0,${fmt(y)})` }, d.axis === 'categorical' ? '' : el('line', { x1: 0, x2: 20, y1: 0, y2: 0, stroke: grey, 'stroke-width': 2 }), el('circle', { cx: 10, cy: 0, r: 3.5, fill: grey })), 'mean over seeds', MUTED);
  row(
    el('g', { transform: `translate(0,${fmt(y)})` }, bands ? el('rect', { x: 0, y: -6, width: 20, height: 12, fill: lighten(grey, 0.6) }) : errorBar(10, -6, 6, grey)),
    'min–max over seeds',
    MUTED,
  );
  row(el('circle', { cx: 10, cy: y, r: 2.5, fill: grey, 'fill-opacity': 0.45 }), 'one run', MUTED);
  return { svg: el('g', { class: 'legend' }, ...rows), width, height: y };
}

/**
 * The SVG of `comparePlotData`'s result: title, a caption with the run count, the plot and a
 * legend to its right (never over the data).
 */
export function comparePlotSvg(d: ComparePlotData): string {
  const x = keyScale(d);
  const allValues = d.series.flatMap((s) => s.points.flatMap((p) => p.runs.map((r) => r.value)));
  const y = valueScale(allValues, PLOT_H, 0, { pad: true, ticks: 5 });
  const colors = d.series.map((_, j) => (d.series.length === 1 ? categorical(0) : categorical(j)));
  const bands = d.axis !== 'categorical';
  // On a categorical axis the series sit side by side within each category's slot.
  const slot = d.axis === 'categorical' ? PLOT_W / d.categories.length : 0;
  const step = d.series.length > 1 ? Math.min(16, (slot * 0.6) / (d.series.length - 1)) : 0;
  const dodge = (j: number) => (d.axis === 'categorical' ? (j - (d.series.length - 1) / 2) * step : 0);

  const marks: string[] = [];
  d.series.forEach((s, j) => {
    const c = colors[j]!;
    const px = (p: GroupPoint) => x.map(p.x) + dodge(j);
    const g: string[] = [];
    if (bands && s.points.length > 1) {
      const upper = s.points.map((p) => `${fmt(px(p))},${fmt(y.map(p.max))}`);
      const lower = s.points.map((p) => `${fmt(px(p))},${fmt(y.map(p.min))}`).reverse();
      g.push(el('path', { d: `M${upper.join('L')}L${lower.join('L')}Z`, fill: c, 'fill-opacity': 0.15, stroke: 'none', class: 'spread' }));
    } else {
      for (const p of s.points) if (p.max > p.min) g.push(errorBar(px(p), y.map(p.max), y.map(p.min), c));
    }
    if (d.axis !== 'categorical' && s.points.length > 1) {
      g.push(el('path', { d: 'M' + s.points.map((p) => `${fmt(px(p))},${fmt(y.map(p.mean))}`).join('L'), fill: 'none', stroke: c, 'stroke-width': 2, 'stroke-linejoin': 'round', class: 'mean-line' }));
    }
    for (const p of s.points) {
      for (const r of p.runs) {
        g.push(el('circle', { cx: px(p), cy: y.map(r.value), r: 2.5, fill: c, 'fill-opacity': 0.45, class: 'run', 'data-run': r.run }, el('title', {}, escapeText(`${r.run}: ${shortNumber(r.value)}`))));
      }
    }
    for (const p of s.points) {
      const tip = `${d.key}=${p.label}${s.name ? `, ${s.name}` : ''}: mean ${shortNumber(p.mean)} over ${p.runs.length} run${p.runs.length === 1 ? '' : 's'}, min ${shortNumber(p.min)}, max ${shortNumber(p.max)}`;
      g.push(
        el(
          'circle',
          { cx: px(p), cy: y.map(p.mean), r: 4, fill: c, stroke: 'white', 'stroke-width': 1.2, class: 'mean', 'data-x': p.label, 'data-mean': String(p.mean), 'data-runs': p.runs.length },
          el('title', {}, escapeText(tip)),
        ),
      );
    }
    marks.push(el('g', { class: 'series', 'data-name': s.name }, ...g));
  });

  const title = `${d.label} against ${d.key}`;
  const counts = d.series.flatMap((s) => s.points.map((p) => p.runs.length));
  const runs = counts.reduce((a, b) => a + b, 0);
  const [fewest, most] = [Math.min(...counts), Math.max(...counts)];
  const caption = `${runs} run${runs === 1 ? '' : 's'}, ${fewest === most ? most : `${fewest}–${most}`} per point` + (d.missing.length > 0 ? `; ${d.missing.length} without ${d.metric.name} left out (${d.missing.slice(0, 3).join(', ')}${d.missing.length > 3 ? ', …' : ''})` : '');
  const top = 10 + TITLE_FONT + 8 + CAPTION_FONT + 14;
  const left = leftRoom(y) + 6;
  const leg = legend(d, colors, bands);
  const legendX = left + PLOT_W + LEGEND_GAP;
  const width = Math.max(legendX + leg.width + RIGHT, textWidth(title, TITLE_FONT) + 40, textWidth(caption, CAPTION_FONT) + 40);
  const height = top + Math.max(PLOT_H + X_AXIS_ROOM, leg.height + 10);
  const plot = el(
    'g',
    { class: 'plot', 'data-x-scale': d.axis, 'data-y-scale': y.log ? 'log' : 'linear', transform: `translate(${fmt(left)},${fmt(top)})` },
    axesFrame(x, y, PLOT_W, PLOT_H, { xLabel: d.key, yLabel: d.label, grid: true }),
    ...marks,
  );
  const head = [
    text(title, { x: width / 2, y: 10 + TITLE_FONT, 'text-anchor': 'middle', 'font-size': TITLE_FONT, 'font-weight': 'bold', fill: INK }),
    text(caption, { x: width / 2, y: 10 + TITLE_FONT + 8 + CAPTION_FONT, 'text-anchor': 'middle', 'font-size': CAPTION_FONT, fill: MUTED, class: 'caption' }),
  ];
  return svgDocument(width, height, [...head, plot, translate(legendX, top + 8, leg.svg)], title);
}
