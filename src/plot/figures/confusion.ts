/**
 * The confusion matrix of a classifier (tables with a class target, MNIST): how many test rows of
 * each true class (a row of cells) the network put in each class (a column). Every cell holds its
 * count; its shade is the count's share of its row, so a class with few rows reads as clearly as a
 * common one, and the diagonal (right answers) is blue, the rest (mistakes) red, as the network
 * drawing's signs.
 */
import { predictNetwork } from '../../train/evaluate.js';
import { prunedAt, type Figure, type TaskFigureInput } from '../figure.js';
import { INK, lighten, MUTED, NEGATIVE, POSITIVE } from '../palette.js';
import { el, fmt, svgDocument, text, textWidth, translate } from '../svg.js';
import { percent } from './layout.js';

/**
 * Classes without a plane to draw them on (tables, MNIST): the confusion matrix of the test set,
 * titled with the accuracy it makes (its diagonal over the test rows).
 */
export function confusionFigures(input: TaskFigureInput): Figure[] {
  const { net, task } = input;
  const k = task.outputLabels.length;
  const counts = confusionCounts(task.test.y as Int32Array, predictNetwork(net, task, 'test'), k);
  const right = Array.from({ length: k }, (_, c) => counts[c * k + c]!).reduce((a, b) => a + b, 0);
  const title = [...input.head, ...prunedAt(input), `test accuracy ${percent(right / task.test.n)}`].join(' · ');
  const caption = [`the ${task.test.n} test rows by true class (rows) and the class the network gives (columns); shade: share of the row`];
  return [{ name: input.name(), svg: confusionSvg(counts, task.outputLabels, { title, caption }) }];
}

/** counts[t * k + p]: rows of true class t predicted as p, p the largest of each row's k scores. */
export function confusionCounts(truth: Int32Array, scores: Float32Array, k: number): Int32Array {
  if (scores.length !== truth.length * k) throw new RangeError(`confusion: ${scores.length} scores for ${truth.length} rows of ${k} classes`);
  const counts = new Int32Array(k * k);
  for (let i = 0; i < truth.length; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (scores[i * k + c]! > scores[i * k + best]!) best = c;
    counts[truth[i]! * k + best]!++;
  }
  return counts;
}

/** Cells on the longer side of a large matrix still get this many pixels (names then thin out). */
const MIN_CELL = 12;
const MAX_CELL = 56;
/** The matrix's side in pixels, as near as the cell limits allow. */
const SIDE = 440;

/** A standalone SVG of `counts` (confusionCounts' layout) with the class names along both axes. */
export function confusionSvg(counts: Int32Array, classNames: readonly string[], opts: { title?: string; caption?: readonly string[] } = {}): string {
  const k = classNames.length;
  if (counts.length !== k * k) throw new RangeError(`confusion: ${counts.length} counts for ${k} classes`);
  const cell = Math.max(MIN_CELL, Math.min(MAX_CELL, Math.floor(SIDE / k)));
  // Counts are written where they fit; names as often as they do not overlap.
  const digits = Math.max(...Array.from(counts, (c) => String(c).length));
  const countFont = Math.min(12, Math.floor((cell - 4) / (0.62 * digits)));
  const nameEvery = Math.ceil(14 / cell);
  const names = classNames.map((n, i) => (i % nameEvery === 0 ? n : ''));
  const nameW = Math.max(0, ...names.map((n) => textWidth(n, 11)));
  const angle = cell * Math.SQRT1_2 >= 13 ? 45 : 90;
  const left = 26 + nameW + 8;
  const captions = opts.caption ?? [];
  const top = (opts.title !== undefined ? 30 : 8) + captions.length * 15 + 22;
  const side = cell * k;
  const parts: string[] = [];
  for (let t = 0; t < k; t++) {
    const rowTotal = counts.slice(t * k, (t + 1) * k).reduce((a, b) => a + b, 0);
    for (let p = 0; p < k; p++) {
      const c = counts[t * k + p]!;
      const share = rowTotal > 0 ? c / rowTotal : 0;
      const x = left + p * cell;
      const y = top + t * cell;
      const fill = c === 0 ? 'white' : lighten(t === p ? POSITIVE : NEGATIVE, 0.88 * (1 - share));
      parts.push(el('rect', { class: 'cell', x, y, width: cell, height: cell, fill, stroke: '#e6e6e6', 'stroke-width': 0.6, 'data-true': t, 'data-pred': p, 'data-count': c }));
      if (countFont >= 7 && c > 0) {
        parts.push(text(String(c), { x: fmt(x + cell / 2), y: fmt(y + cell / 2 + countFont * 0.36), 'text-anchor': 'middle', 'font-size': countFont, fill: share > 0.55 ? 'white' : INK }));
      }
    }
  }
  parts.push(el('rect', { x: left, y: top, width: side, height: side, fill: 'none', stroke: MUTED, 'stroke-width': 0.8 }));
  names.forEach((n, i) => {
    if (n === '') return;
    const mid = fmt(i * cell + cell / 2);
    parts.push(text(n, { x: left - 6, y: fmt(top + i * cell + cell / 2 + 4), 'text-anchor': 'end', 'font-size': 11, fill: INK }));
    // Column names upright where short, else turned: by 45 degrees where the cells leave their
    // slanted lines apart, straight down where they are narrower.
    const ty = top + side + 14;
    parts.push(
      textWidth(n, 11) > cell - 2
        ? text(n, { x: 0, y: 0, transform: `translate(${fmt(left + i * cell + cell / 2 + (angle === 90 ? -4 : 4))},${ty - 8}) rotate(${angle})`, 'font-size': 11, fill: INK })
        : text(n, { x: left + Number(mid), y: ty, 'text-anchor': 'middle', 'font-size': 11, fill: INK }),
    );
  });
  const turnedRoom = Math.max(0, ...names.map((n) => (textWidth(n, 11) > cell - 2 ? textWidth(n, 11) * Math.sin((angle * Math.PI) / 180) : 0)));
  const xTitleY = top + side + 14 + Math.max(4, turnedRoom) + 18;
  parts.push(text('predicted class', { x: left + side / 2, y: xTitleY, 'text-anchor': 'middle', 'font-size': 12, fill: INK }));
  parts.push(text('true class', { x: 0, y: 0, transform: `translate(14,${fmt(top + side / 2)}) rotate(-90)`, 'text-anchor': 'middle', 'font-size': 12, fill: INK }));
  const body = left + side + 16 + turnedRoom;
  const width = Math.max(body, ...(opts.title !== undefined ? [textWidth(opts.title, 14) + 24] : []), ...captions.map((c) => textWidth(c, 11) + 24));
  // The matrix in the middle under a wider title.
  const head: string[] = [translate((width - body) / 2, 0, ...parts)];
  let y = 0;
  if (opts.title !== undefined) {
    y = 22;
    head.push(text(opts.title, { x: width / 2, y, 'text-anchor': 'middle', 'font-size': 14, 'font-weight': 'bold', fill: INK }));
  }
  for (const c of captions) {
    y += 15;
    head.push(text(c, { x: width / 2, y, 'text-anchor': 'middle', 'font-size': 11, fill: MUTED, class: 'caption' }));
  }
  return svgDocument(width, xTitleY + 12, head, opts.title);
}
