/**
 * Scales, ticks and axis frames for the chart-like figures (curves, task pictures). d3-scale does
 * the arithmetic of nice domains and ticks; this file decides linear vs log and draws the axes.
 */
import { scaleLinear, scaleLog } from 'd3-scale';
import { GRID, INK } from './palette.js';
import { el, fmt, text, textWidth } from './svg.js';

export interface Tick {
  readonly value: number;
  /** Absent on minor ticks (log axes draw 2..9 x 10^k unlabelled). */
  readonly label?: string;
}

/** A value -> pixel mapping with its ticks. */
export interface AxisScale {
  readonly log: boolean;
  readonly domain: readonly [number, number];
  readonly map: (v: number) => number;
  readonly ticks: readonly Tick[];
}

/** Decades a log axis needs before it is used: a series spanning less reads better linear. */
export const LOG_DECADES = 1.5;

/** Finite values only (metrics can hold NaN / Infinity after a diverged step). */
export function finite(values: Iterable<number>): number[] {
  const out: number[] = [];
  for (const v of values) if (Number.isFinite(v)) out.push(v);
  return out;
}

/** True when every value is positive and max/min exceeds 10^LOG_DECADES. */
export function spansDecades(values: readonly number[]): boolean {
  if (values.length === 0) return false;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!(v > 0)) return false;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return Math.log10(hi / lo) > LOG_DECADES;
}

/**
 * Whether a scatter of `values` needs a log axis: positive, spanning decades, and with half the
 * points in the bottom tenth of a linear axis. Values spread over [0, 1] (a square of U[-1, 1])
 * span decades only through the few near zero; a log axis would stretch those few across most of
 * the picture and make their small absolute errors look like the model's main failure.
 */
export function crowdedNearZero(values: readonly number[]): boolean {
  if (!spansDecades(values)) return false;
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  return median < sorted[sorted.length - 1] / 10;
}

const SUPERSCRIPT: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/** 10^k as "10⁻³", the way papers label log axes. */
export function powerLabel(k: number): string {
  if (k === 0) return '1';
  if (k === 1) return '10';
  return '10' + [...String(k)].map((c) => SUPERSCRIPT[c] ?? c).join('');
}

export interface ScaleOptions {
  /** 'auto' (default): log when the values are positive and span more than LOG_DECADES. */
  readonly log?: boolean | 'auto';
  /** Approximate number of labelled ticks on a linear axis. */
  readonly ticks?: number;
  /** d3 format specifier for linear tick labels, e.g. '~s' for 5k, 10k. */
  readonly format?: string;
  /** Own label function for linear ticks (overrides `format`). */
  readonly label?: (v: number) => string;
  /** Extend a linear domain to include 0 (counts, accuracies). */
  readonly zero?: boolean;
  /** Widen a linear domain by 4 % before rounding (y axes, so points clear the frame). */
  readonly pad?: boolean;
  /** Use the domain as given instead of rounding it outwards. */
  readonly exact?: boolean;
}

/**
 * A scale covering `values` on the pixel range [r0, r1] (r0 > r1 for y axes, as SVG's y grows
 * downwards). Non-finite values are ignored; an empty or constant series gets a unit-wide domain.
 */
export function valueScale(values: readonly number[], r0: number, r1: number, opts: ScaleOptions = {}): AxisScale {
  const vals = finite(values);
  const useLog = opts.log === true || ((opts.log ?? 'auto') === 'auto' && spansDecades(vals));
  if (useLog && vals.length > 0 && vals.every((v) => v > 0)) return logScale(vals, r0, r1, opts.exact === true);
  let lo = vals.length ? Math.min(...vals) : 0;
  let hi = vals.length ? Math.max(...vals) : 1;
  if (opts.zero) {
    lo = Math.min(lo, 0);
    hi = Math.max(hi, 0);
  }
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  if (!opts.exact && opts.pad) {
    // A little room so extreme points do not sit on the frame; never pushing a positive series
    // below zero.
    const pad = (hi - lo) * 0.04;
    lo = lo >= 0 && lo - pad < 0 ? 0 : lo - pad;
    hi += pad;
  }
  const s = scaleLinear().domain([lo, hi]).range([r0, r1]);
  if (!opts.exact) s.nice(opts.ticks ?? 5);
  const count = opts.ticks ?? 5;
  const format = opts.label ?? s.tickFormat(count, opts.format);
  const [d0, d1] = s.domain();
  return {
    log: false,
    domain: [d0, d1],
    map: (v) => s(v),
    ticks: s.ticks(count).map((value) => ({ value, label: format(value) })),
  };
}

function logScale(vals: readonly number[], r0: number, r1: number, exact: boolean): AxisScale {
  const s = scaleLog().domain([Math.min(...vals), Math.max(...vals)]).range([r0, r1]);
  if (!exact) s.nice();
  const [d0, d1] = s.domain();
  const k0 = Math.ceil(Math.log10(d0) - 1e-9);
  const k1 = Math.floor(Math.log10(d1) + 1e-9);
  const decades = k1 - k0;
  // Label every power of ten while that stays readable, every 2nd or 3rd beyond; minor ticks only
  // when there are few decades (otherwise they blur into a grey band).
  const every = decades > 12 ? 3 : decades > 6 ? 2 : 1;
  const ticks: Tick[] = [];
  for (let k = k0; k <= k1; k++) {
    const p = 10 ** k;
    ticks.push((k - k0) % every === 0 ? { value: p, label: powerLabel(k) } : { value: p });
    if (decades <= 4) for (let m = 2; m <= 9; m++) if (m * p <= d1 && m * p >= d0) ticks.push({ value: m * p });
  }
  return { log: true, domain: [d0, d1], map: (v) => s(v), ticks };
}

export interface FrameOptions {
  readonly xLabel?: string;
  readonly yLabel?: string;
  /** Light grid lines at labelled ticks. */
  readonly grid?: boolean;
  /** Leave out x tick labels (stacked panels share the bottom panel's). */
  readonly hideXLabels?: boolean;
}

export const TICK_FONT = 11;
export const LABEL_FONT = 12;

/**
 * Axes of a plot area of w x h pixels at the origin of the current group: a box, ticks outside
 * it, tick labels, axis titles and optional grid lines. Draw it before the data so the data sits
 * on top of the grid.
 */
export function axesFrame(x: AxisScale, y: AxisScale, w: number, h: number, opts: FrameOptions = {}): string {
  const parts: string[] = [];
  if (opts.grid) {
    for (const t of y.ticks) if (t.label !== undefined) parts.push(el('line', { x1: 0, x2: w, y1: y.map(t.value), y2: y.map(t.value), stroke: GRID }));
    for (const t of x.ticks) if (t.label !== undefined) parts.push(el('line', { x1: x.map(t.value), x2: x.map(t.value), y1: 0, y2: h, stroke: GRID }));
  }
  parts.push(el('rect', { width: w, height: h, fill: 'none', stroke: INK, 'stroke-width': 1 }));
  const tickPath: string[] = [];
  for (const t of x.ticks) {
    const px = x.map(t.value);
    if (px < -0.5 || px > w + 0.5) continue;
    tickPath.push(`M${fmt(px)},${fmt(h)}v${t.label !== undefined ? 5 : 3}`);
    if (t.label !== undefined && !opts.hideXLabels) {
      parts.push(text(t.label, { x: px, y: h + 8 + TICK_FONT, 'text-anchor': 'middle', 'font-size': TICK_FONT, fill: INK }));
    }
  }
  for (const t of y.ticks) {
    const py = y.map(t.value);
    if (py < -0.5 || py > h + 0.5) continue;
    tickPath.push(`M0,${fmt(py)}h${t.label !== undefined ? -5 : -3}`);
    if (t.label !== undefined) {
      parts.push(text(t.label, { x: -8, y: py + TICK_FONT * 0.35, 'text-anchor': 'end', 'font-size': TICK_FONT, fill: INK }));
    }
  }
  parts.push(el('path', { d: tickPath.join(''), stroke: INK, fill: 'none' }));
  if (opts.xLabel !== undefined && !opts.hideXLabels) {
    parts.push(text(opts.xLabel, { x: w / 2, y: h + 16 + TICK_FONT + LABEL_FONT, 'text-anchor': 'middle', 'font-size': LABEL_FONT, fill: INK }));
  }
  if (opts.yLabel !== undefined) {
    parts.push(
      text(opts.yLabel, {
        transform: `translate(${fmt(-yTitleOffset(y))},${fmt(h / 2)}) rotate(-90)`,
        'text-anchor': 'middle',
        'font-size': LABEL_FONT,
        fill: INK,
      }),
    );
  }
  return el('g', { class: 'axes' }, ...parts);
}

/** Distance of the rotated y-axis title's baseline from the plot area: past the widest tick label. */
export function yTitleOffset(y: AxisScale): number {
  const widest = Math.max(0, ...y.ticks.map((t) => (t.label !== undefined ? textWidth(t.label, TICK_FONT) : 0)));
  return 8 + widest + 8;
}

/** Room left of a plot area for the tick labels and the y-axis title. */
export function leftRoom(y: AxisScale): number {
  return yTitleOffset(y) + LABEL_FONT + 4;
}
/** Room below a plot area for tick labels and the x-axis title. */
export const X_AXIS_ROOM = 16 + TICK_FONT + LABEL_FONT + 8;

/** Clip path id-safe rectangle for plot areas, so out-of-domain data never leaks into margins. */
export function clipRect(id: string, w: number, h: number): string {
  return el('clipPath', { id }, el('rect', { x: 0, y: 0, width: w, height: h }));
}

/**
 * A number in at most 3 significant digits for labels: 0.02, 150, 3·10⁻⁴, 10⁻³ (powers of ten
 * alone, as the lambda schedule's values usually are).
 */
export function shortNumber(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const k = Math.floor(Math.log10(Math.abs(v)) + 1e-12);
  const m = Number((v / 10 ** k).toPrecision(3));
  if (k >= -1 && k < 4) return String(Number(v.toPrecision(3)));
  const sign = v < 0 ? '-' : '';
  return Math.abs(m) === 1 ? sign + powerLabel(k) : `${m}·${powerLabel(k)}`;
}

/** A threshold as written in configs (0.01, not the 10⁻² of shortNumber): it is what --threshold takes. */
export function thresholdText(x: number): string {
  return String(Number(x.toPrecision(3)));
}

/** Step counts as 0, 500, 5k, 12.5k, 1M: compact, and "0" stays "0". */
export function stepLabel(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${Number((v / 1e6).toPrecision(4))}M`;
  if (a >= 1e3) return `${Number((v / 1e3).toPrecision(4))}k`;
  return String(Number(v.toPrecision(4)));
}
