/**
 * The effect matrix of an ablation (`bimt plot --kind ablation`, from ablation.csv: docs/cli.md,
 * "bimt ablate"): a row per knocked-out target, a column per output, each cell what the knock-out
 * did to that output against the untouched network. For values that is the output's loss ratio
 * on a log scale (x1 white, growth red, shrink blue: red is harm, as the confusion matrix's
 * mistakes); for classes the change in the class's accuracy in points. A module that computes one
 * output then reads as one red cell in its row (fig3a's diagonal).
 */
import type { AblationRecord, AblationTable } from '../../runs/ablation-csv.js';
import { nameList } from '../../util/excerpt.js';
import { shortNumber } from '../axes.js';
import { INK, lighten, MUTED, NEGATIVE, POSITIVE } from '../palette.js';
import { el, fmt, svgDocument, text, textWidth, translate } from '../svg.js';
import { heading, percent } from './layout.js';

/** A loss ratio this far from 1 (either way) gets the full colour: three decades. */
const FULL_RATIO = 1000;
/** An accuracy change of this many points gets the full colour. */
const FULL_POINTS = 50;
const MIN_CELL = 34;
const MAX_CELL = 76;
/** The matrix's width in pixels, as near as the cell limits allow. */
const WIDTH = 520;
const ROW_H = 24;
const FONT = 11;
/** Inputs and outputs named in a row's label; more are counted. */
const ROW_NAMES = 4;

/**
 * The effect of a knock-out on one cell in [-1, 1]: -1 full blue (better), 0 white, 1 full red
 * (worse). Losses: log10 of the ratio over three decades; accuracies: the drop in points over 50.
 * null where either number is missing (a class the split lacks) or the ratio has no meaning.
 */
export function ablationEffect(measure: AblationTable['measure'], value: number | null, untouched: number | null): number | null {
  if (value === null || untouched === null || !Number.isFinite(value) || !Number.isFinite(untouched)) return null;
  if (measure === 'accuracy') return clamp((100 * (untouched - value)) / FULL_POINTS);
  if (value <= 0 || untouched <= 0) return value === untouched ? 0 : null;
  return clamp(Math.log10(value / untouched) / Math.log10(FULL_RATIO));
}

/** A cell's text: the loss ratio (x812, x1.21, x0.42) or the accuracy change in points (-12.5, +0.8, 0). */
export function ablationCellText(measure: AblationTable['measure'], value: number | null, untouched: number | null): string {
  if (value === null || untouched === null || !Number.isFinite(value) || !Number.isFinite(untouched)) return '–';
  if (measure === 'accuracy') {
    const d = Number((100 * (value - untouched)).toFixed(1));
    return d === 0 ? '0' : d > 0 ? `+${d}` : `−${-d}`;
  }
  if (untouched <= 0) return value === untouched ? '×1' : '–';
  const r = value / untouched;
  return `×${r >= 100 ? Math.round(r) : r >= 10 ? r.toFixed(1).replace(/\.0$/, '') : Number(r.toPrecision(3))}`;
}

/** The fill of an effect (ablationEffect): white at 0, red towards 1, blue towards -1, grey where null. */
export function effectFill(effect: number | null): string {
  if (effect === null) return '#f0f0f0';
  return lighten(effect >= 0 ? NEGATIVE : POSITIVE, 1 - 0.92 * Math.abs(effect));
}

function clamp(t: number): number {
  return Math.max(-1, Math.min(1, t));
}

/**
 * A standalone SVG of `table`: rows its targets, columns `outputNames` (the task's output labels,
 * or its class names for a table of per-class accuracies; as many as the table's per-output
 * cells). The untouched network's numbers head the columns.
 */
export function ablationSvg(table: AblationTable, outputNames: readonly string[], opts: { title?: string; caption?: readonly string[] } = {}): string {
  const k = outputNames.length;
  const rows = table.targets;
  for (const r of [table.none, ...rows]) {
    if (r.perOutput.length !== k) throw new RangeError(`ablation: ${r.target} has ${r.perOutput.length} per-output cells for ${k} outputs`);
  }
  const cell = Math.max(MIN_CELL, Math.min(MAX_CELL, Math.floor(WIDTH / Math.max(1, k))));
  const labels = rows.map(rowLabel);
  const untouchedLabel = 'untouched';
  const labelW = Math.max(textWidth(untouchedLabel, FONT), ...labels.map((l) => textWidth(l, FONT)));
  // Column names over their columns: upright where they fit, else turned up by 45 degrees.
  const turned = outputNames.some((n) => textWidth(n, FONT) > cell - 4);
  const namesH = turned ? Math.max(...outputNames.map((n) => textWidth(n, FONT))) * Math.SQRT1_2 + 14 : 18;
  const left = labelW + 12;
  const top = namesH;
  const side = cell * k;
  const parts: string[] = [];
  outputNames.forEach((n, j) => {
    const cx = left + j * cell + cell / 2;
    parts.push(
      turned
        ? text(n, { x: 0, y: 0, transform: `translate(${fmt(cx - 2)},${fmt(top - 6)}) rotate(-45)`, 'font-size': FONT, fill: INK })
        : text(n, { x: fmt(cx), y: top - 6, 'text-anchor': 'middle', 'font-size': FONT, fill: INK }),
    );
  });
  // The untouched network's own numbers, which every cell below is relative to.
  parts.push(text(untouchedLabel, { x: left - 8, y: top + ROW_H / 2 + 4, 'text-anchor': 'end', 'font-size': FONT, fill: MUTED }));
  table.none.perOutput.forEach((v, j) => {
    const s = v === null ? '–' : table.measure === 'accuracy' ? percent(v) : shortNumber(v);
    parts.push(text(s, { x: fmt(left + j * cell + cell / 2), y: top + ROW_H / 2 + 4, 'text-anchor': 'middle', 'font-size': FONT - 1, fill: MUTED }));
  });
  const gridTop = top + ROW_H + 2;
  rows.forEach((r, i) => {
    const y = gridTop + i * ROW_H;
    parts.push(text(labels[i]!, { x: left - 8, y: fmt(y + ROW_H / 2 + 4), 'text-anchor': 'end', 'font-size': FONT, fill: INK }));
    r.perOutput.forEach((v, j) => {
      const untouched = table.none.perOutput[j] ?? null;
      const effect = ablationEffect(table.measure, v, untouched);
      const x = left + j * cell;
      parts.push(el('rect', { class: 'cell', x, y, width: cell, height: ROW_H, fill: effectFill(effect), stroke: '#e6e6e6', 'stroke-width': 0.6, 'data-target': r.target, 'data-output': j, 'data-effect': effect === null ? 'none' : fmt(effect, 4) }));
      const s = ablationCellText(table.measure, v, untouched);
      const size = Math.min(FONT, Math.floor((cell - 4) / (0.62 * [...s].length)));
      if (size >= 7) parts.push(text(s, { x: fmt(x + cell / 2), y: fmt(y + ROW_H / 2 + size * 0.36), 'text-anchor': 'middle', 'font-size': size, fill: effect !== null && Math.abs(effect) > 0.55 ? 'white' : INK }));
    });
  });
  const gridH = rows.length * ROW_H;
  parts.push(el('rect', { x: left, y: gridTop, width: side, height: gridH, fill: 'none', stroke: MUTED, 'stroke-width': 0.8 }));
  const key = ablationKey(table);
  const keyTop = gridTop + gridH + 22;
  parts.push(translate(left, keyTop, ...key.parts));
  const bodyW = Math.max(left + side, left + key.width) + 12;
  const head = heading(bodyW, opts.title, opts.caption);
  const y0 = head.height + 14;
  return svgDocument(head.width, y0 + keyTop + key.height + 8, [translate(head.shift, y0, ...parts), ...head.parts], opts.title);
}

/** "module 1: x2, x4 → x2^2+sin(pi*x4)": the target and what its neurons connect. */
function rowLabel(r: AblationRecord): string {
  if (r.inputs.length === 0 && r.outputs.length === 0) return r.target;
  return `${r.target}: ${nameList(r.inputs, ROW_NAMES) || '–'} → ${nameList(r.outputs, ROW_NAMES) || '–'}`;
}

/** The colour key: a row of swatches from better to worse with their values, and what a cell is. */
function ablationKey(table: AblationTable): { parts: string[]; width: number; height: number } {
  const loss = table.measure === 'loss';
  const steps = loss
    ? [1 / 100, 1 / 10, 1, 10, 100, 1000].map((r) => ({ effect: ablationEffect('loss', r, 1), label: r < 1 ? `÷${Math.round(1 / r)}` : `×${r}` }))
    : [25, 10, 0, -10, -25, -50].map((d) => ({ effect: ablationEffect('accuracy', d / 100, 0), label: d > 0 ? `+${d}` : d < 0 ? `−${-d}` : '0' }));
  const what = loss
    ? `each output's ${table.split} loss ÷ the untouched network's (log scale)`
    : `change in each class's ${table.split} accuracy, in points`;
  const w = 40;
  const parts = [text(what, { x: 0, y: 0, 'font-size': FONT, fill: INK })];
  steps.forEach((s, i) => {
    parts.push(el('rect', { x: i * w, y: 8, width: w, height: 14, fill: effectFill(s.effect), stroke: '#d0d0d0', 'stroke-width': 0.6 }));
    parts.push(text(s.label, { x: i * w + w / 2, y: 36, 'text-anchor': 'middle', 'font-size': FONT - 1, fill: INK }));
  });
  return { parts, width: Math.max(steps.length * w, textWidth(what, FONT)), height: 40 };
}
