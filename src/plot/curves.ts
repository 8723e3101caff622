/**
 * Training curves of a run: stacked panels sharing the step axis (loss, accuracy, connection
 * cost, swaps so far, weights kept, lambda), with dashed lines where the lambda schedule changes
 * phase, so the effect of each phase on loss and cost can be read straight down the figure.
 */
import { BimtError } from '../errors.js';
import type { ModularityPoint } from '../runs/graph-record.js';
import type { MetricsRow } from '../runs/metrics.js';
import { axesFrame, clipRect, finite, leftRoom, shortNumber, stepLabel, thresholdText, valueScale, X_AXIS_ROOM, type AxisScale } from './axes.js';
import { categorical, INK, MUTED } from './palette.js';
import { el, fmt, svgDocument, text, textWidth, translate } from './svg.js';

export interface Phase {
  readonly step: number;
  readonly label: string;
  /**
   * Lambda from `step` on, when known from the schedule: the lambda curve then turns at the phase
   * line itself, not at the first evaluation after it.
   */
  readonly lambda?: number;
}

export interface CurvesOptions {
  readonly title?: string;
  /** Lambda schedule phases; detected from the rows when absent. */
  readonly phases?: readonly Phase[];
  /** The |w| above which metrics.csv counted a weight as kept (output.snapshot_threshold). */
  readonly threshold?: number;
  /**
   * Names of the per-output losses to draw in a panel of their own (a sequence task's scored
   * entries, whose mean, the loss, hides the one that can be learnt under one that cannot).
   */
  readonly outputLosses?: readonly string[];
  /** Modules and modularity Q at each snapshot (src/runs/graph-record.ts); no panels when empty. */
  readonly modularity?: readonly ModularityPoint[];
}

interface Series {
  readonly name: string;
  readonly values: readonly number[];
  /** Steps of the values, when they are not the rows' steps. */
  readonly at?: readonly number[];
  readonly color: string;
  readonly dashed?: boolean;
  /** Lambda is piecewise constant between rows: draw it as steps, not slopes. */
  readonly steps?: boolean;
}

interface Panel {
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Fixed y domain (accuracy is always 0..1). */
  readonly domain?: readonly [number, number];
  readonly zero?: boolean;
}

const PANEL_W = 520;
const PANEL_H = 130;
const PANEL_GAP = 16;
const RIGHT = 24;
const PHASE_FONT = 10;

/** Rows where lambda differs from the previous row; each phase is labelled with its new value. */
export function lambdaPhases(rows: readonly MetricsRow[]): Phase[] {
  const phases: Phase[] = [];
  for (let i = 1; i < rows.length; i++) {
    if (rows[i].lambda !== rows[i - 1].lambda) phases.push({ step: rows[i].step, label: `λ = ${shortNumber(rows[i].lambda)}` });
  }
  return phases;
}

function panels(rows: readonly MetricsRow[], phases: readonly Phase[], threshold: number | undefined, outputs: readonly string[], modularity: readonly ModularityPoint[]): Panel[] {
  const col = <K extends keyof MetricsRow>(k: K) => rows.map((r) => r[k]);
  const train = categorical(0);
  const test = categorical(1);
  const out: Panel[] = [
    {
      yLabel: 'loss',
      series: [
        { name: 'train', values: col('train_loss'), color: train },
        { name: 'test', values: col('test_loss'), color: test, dashed: true },
      ],
    },
  ];
  if (outputs.length > 0 && rows.some((r) => r.output_losses)) {
    const per = (split: 'train' | 'test', j: number) => rows.map((r) => r.output_losses?.[split][j] ?? NaN);
    out.push({
      yLabel: 'MSE per output',
      series: outputs.flatMap((name, j) => [
        { name: `${name} train`, values: per('train', j), color: categorical(6 + j) },
        { name: `${name} test`, values: per('test', j), color: categorical(6 + j), dashed: true },
      ]),
    });
  }
  const acc = (k: 'train_acc' | 'test_acc') => rows.map((r) => r[k] ?? NaN);
  if (rows.some((r) => r.train_acc !== null || r.test_acc !== null)) {
    out.push({
      yLabel: 'accuracy',
      // A little headroom so a curve at 100 % is not hidden under the frame.
      domain: [0, 1.04],
      series: [
        { name: 'train', values: acc('train_acc'), color: train },
        { name: 'test', values: acc('test_acc'), color: test, dashed: true },
      ],
    });
  }
  out.push({ yLabel: 'connection cost', series: [{ name: 'cost', values: col('connection_cost'), color: categorical(2) }] });
  // A row counts the swaps since the row before: 0, n, 0, n... when swaps come every other
  // evaluation. The running total reads smoothly and shows when swapping stops.
  let total = 0;
  out.push({ yLabel: 'swaps, total', zero: true, series: [{ name: 'swaps', values: rows.map((r) => (total += r.swaps)), color: categorical(5) }] });
  const kept = threshold !== undefined ? `weights |w|>${thresholdText(threshold)}` : 'weights kept';
  out.push({ yLabel: kept, zero: true, series: [{ name: 'weights', values: col('weights_above_threshold'), color: categorical(4) }] });
  if (modularity.length > 0) {
    // From the snapshots, at the checkpoints' steps: how the network falls apart into modules.
    const at = modularity.map((p) => p.step);
    out.push({ yLabel: 'modularity Q', domain: [0, 1], series: [{ name: 'Q', values: modularity.map((p) => p.q), at, color: categorical(3) }] });
    out.push({
      yLabel: 'modules',
      zero: true,
      series: [
        { name: 'connected modules', values: modularity.map((p) => p.modules), at, color: categorical(7) },
        { name: 'communities (Q)', values: modularity.map((p) => p.communities), at, color: categorical(3), dashed: true },
      ],
    });
  }
  out.push({ yLabel: 'λ', series: [lambdaSeries(rows, phases)] });
  return out;
}

/**
 * Lambda as a staircase through the rows, turning at each phase of the schedule whose value is
 * known. A row holds the lambda of the update before it, so without the schedule a change would
 * show only at the first evaluation after its step.
 */
function lambdaSeries(rows: readonly MetricsRow[], phases: readonly Phase[]): Series {
  const points = rows.map((r) => ({ step: r.step, lambda: r.lambda }));
  for (const p of phases) {
    if (p.lambda === undefined) continue;
    // After every row at the phase's step, which still holds the old value.
    const i = points.findIndex((q) => q.step > p.step);
    points.splice(i < 0 ? points.length : i, 0, { step: p.step, lambda: p.lambda });
  }
  return { name: 'λ', values: points.map((q) => q.lambda), at: points.map((q) => q.step), color: INK, steps: true };
}

/**
 * Path through the finite points (and positive ones on a log axis); a skipped value breaks the
 * line rather than joining its neighbours across the gap.
 */
function seriesPath(rowSteps: readonly number[], s: Series, x: AxisScale, y: AxisScale): string {
  const steps = s.at ?? rowSteps;
  let d = '';
  let open = false;
  for (let i = 0; i < steps.length; i++) {
    const v = s.values[i];
    if (!Number.isFinite(v) || (y.log && v <= 0)) {
      open = false;
      continue;
    }
    const px = x.map(steps[i]);
    const py = y.map(v);
    if (!open) d += `M${fmt(px)},${fmt(py)}`;
    else if (s.steps) d += `H${fmt(px)}V${fmt(py)}`;
    else d += `L${fmt(px)},${fmt(py)}`;
    open = true;
  }
  return d;
}

/**
 * Legend in whichever corner of the panel covers the fewest data points (`pts`, in panel pixels),
 * so it does not hide the curves.
 */
function legendBox(series: readonly Series[], pts: readonly [number, number][]): string {
  if (series.length < 2) return '';
  const items: string[] = [];
  const widths = series.map((s) => 28 + textWidth(s.name, 11));
  const total = widths.reduce((a, b) => a + b, 0) + 8;
  const h = 20;
  const corners: [number, number][] = [
    [PANEL_W - total - 6, 6],
    [PANEL_W - total - 6, PANEL_H - h - 6],
    [10, 6],
    [10, PANEL_H - h - 6],
  ];
  const covered = ([cx, cy]: [number, number]) => pts.filter(([px, py]) => px >= cx - 8 && px <= cx + total + 4 && py >= cy - 4 && py <= cy + h + 4).length;
  const [bx, by] = corners.reduce((best, c) => (covered(c) < covered(best) ? c : best));
  let x = bx + 4;
  items.push(el('rect', { x: bx, y: by, width: total, height: h, fill: 'white', 'fill-opacity': 0.85, stroke: '#cccccc' }));
  series.forEach((s, i) => {
    items.push(el('line', { x1: x, x2: x + 20, y1: by + 10, y2: by + 10, stroke: s.color, 'stroke-width': 2, 'stroke-dasharray': s.dashed ? '5,3' : undefined }));
    items.push(text(s.name, { x: x + 24, y: by + 14, 'font-size': 11, fill: INK }));
    x += widths[i];
  });
  return el('g', { class: 'legend' }, ...items);
}

/**
 * Stacked training-curve panels from metrics.csv rows (one row per evaluation).
 * Log y axes where a panel's values are positive and span more than 1.5 decades. Each panel's
 * data-steps ("first,last,width") maps a step to its x, for `bimt view`'s step marker.
 */
export function curvesSvg(rows: readonly MetricsRow[], opts: CurvesOptions = {}): string {
  if (rows.length === 0) throw new BimtError('no metrics rows to plot (metrics.csv is empty)');
  const steps = rows.map((r) => r.step);
  // Exactly the run's steps: a rounded-out axis would run past the last step (12k for a
  // 10001-step run) as if the run had stopped early.
  const x = valueScale(finite([0, ...steps]), 0, PANEL_W, { label: stepLabel, ticks: 6, exact: true });
  const phases = (opts.phases ?? lambdaPhases(rows)).filter((p) => Number.isFinite(p.step) && p.step >= x.domain[0] && p.step <= x.domain[1]);

  // Phase labels sit above the first panel; a label that would overlap its left neighbour moves
  // up a row.
  const phaseRows: number[] = [];
  const rowEnds: number[] = [];
  for (const p of phases) {
    const x0 = x.map(p.step) + 3;
    let r = 0;
    while (rowEnds[r] !== undefined && rowEnds[r] > x0) r++;
    rowEnds[r] = x0 + textWidth(p.label, PHASE_FONT) + 6;
    phaseRows.push(r);
  }
  const phaseRoom = phases.length ? (Math.max(...phaseRows) + 1) * (PHASE_FONT + 4) + 4 : 0;
  const top = (opts.title !== undefined ? 30 : 10) + phaseRoom;

  const ps = panels(rows, phases, opts.threshold, opts.outputLosses ?? [], opts.modularity ?? []);
  const ys = ps.map((p) => valueScale(p.domain ? [...p.domain] : p.series.flatMap((s) => finite(s.values)), PANEL_H, 0, { zero: p.zero, exact: p.domain !== undefined, ticks: 4, pad: true }));
  const LEFT = Math.max(...ys.map(leftRoom)) + 6;
  const parts: string[] = [];
  ps.forEach((p, k) => {
    const y = ys[k];
    const last = k === ps.length - 1;
    const clipId = `clip-${k}`;
    const inner: string[] = [clipRect(clipId, PANEL_W, PANEL_H), axesFrame(x, y, PANEL_W, PANEL_H, { yLabel: p.yLabel, xLabel: 'step', grid: true, hideXLabels: !last })];
    for (const ph of phases) {
      const px = x.map(ph.step);
      inner.push(el('line', { x1: px, x2: px, y1: 0, y2: PANEL_H, stroke: MUTED, 'stroke-dasharray': '4,3', class: 'phase' }));
    }
    const lines = p.series.map((s) =>
      el('path', {
        d: seriesPath(steps, s, x, y) || 'M0,0',
        fill: 'none',
        stroke: s.color,
        'stroke-width': 1.6,
        'stroke-dasharray': s.dashed ? '5,3' : undefined,
        'stroke-linejoin': 'round',
        class: 'series',
        'data-name': s.name,
      }),
    );
    // Few points (a short or just-started run) are invisible as a line alone: mark them.
    const marks = p.series.flatMap((s) => {
      const at = s.values.flatMap((v, i) => (Number.isFinite(v) && (!y.log || v > 0) ? [el('circle', { cx: x.map((s.at ?? steps)[i]), cy: y.map(v), r: 2.5, fill: s.color })] : []));
      return at.length <= 40 ? at : [];
    });
    inner.push(el('g', { 'clip-path': `url(#${clipId})` }, ...lines, ...marks));
    const pts: [number, number][] = [];
    for (const s of p.series) s.values.forEach((v, i) => Number.isFinite(v) && (!y.log || v > 0) && pts.push([x.map((s.at ?? steps)[i]), y.map(v)]));
    inner.push(legendBox(p.series, pts));
    parts.push(el('g', { class: 'panel', 'data-steps': `${x.domain[0]},${x.domain[1]},${PANEL_W}`, 'data-y-scale': y.log ? 'log' : 'linear', 'data-label': p.yLabel, transform: `translate(${LEFT},${fmt(top + k * (PANEL_H + PANEL_GAP))})` }, ...inner));
  });

  phases.forEach((p, i) => {
    const ty = top - 6 - phaseRows[i] * (PHASE_FONT + 4);
    parts.push(text(p.label, { x: LEFT + x.map(p.step) + 3, y: ty, 'font-size': PHASE_FONT, fill: MUTED, class: 'phase-label' }));
  });
  const width = LEFT + PANEL_W + RIGHT + Math.max(0, ...phases.map((p) => x.map(p.step) + 3 + textWidth(p.label, PHASE_FONT) - PANEL_W - RIGHT + 4));
  if (opts.title !== undefined) parts.push(text(opts.title, { x: width / 2, y: 20, 'text-anchor': 'middle', 'font-size': 14, 'font-weight': 'bold', fill: INK }));
  const height = top + ps.length * PANEL_H + (ps.length - 1) * PANEL_GAP + X_AXIS_ROOM;
  return svgDocument(width, height, [translate(0, 0, ...parts)], opts.title);
}
