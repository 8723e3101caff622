/**
 * The predicted-vs-true picture of value targets (formulas, tables of values) and of sequence
 * targets (in-context regression): one panel per output the loss scores, each test row's
 * prediction against its true value beside the diagonal a perfect model lies on.
 */
import { predictNetwork } from '../../train/evaluate.js';
import { scoredColumns, scoredLabels } from '../../tasks/sequence-loss.js';
import { axesFrame, clipRect, crowdedNearZero, finite, LABEL_FONT, leftRoom, shortNumber, valueScale, X_AXIS_ROOM } from '../axes.js';
import { prunedAt, type Figure, type TaskFigureInput } from '../figure.js';
import { categorical, INK, MUTED } from '../palette.js';
import { el, svgDocument, text, textWidth, translate } from '../svg.js';
import { heading } from './layout.js';

/**
 * Value targets (formulas, tables): predicted against true value of each output on the test set.
 * Sequence targets (in-context): of each entry the loss scores (`y@2`: channel y at position 2),
 * the entries the loss leaves free being no prediction of anything.
 */
export function predictedVsTrueFigures(input: TaskFigureInput): Figure[] {
  const { net, task } = input;
  const { targets } = task;
  const pred = predictNetwork(net, task, 'test');
  const truth = task.test.y as Float32Array;
  const width = targets.kind === 'sequence' ? targets.length * targets.dim : task.outputLabels.length;
  const outputs =
    targets.kind === 'sequence'
      ? scoredLabels(targets, task.outputLabels).map((name, k) => ({ name, col: scoredColumns(targets)[k]! }))
      : task.outputLabels.map((name, col) => ({ name, col }));
  const column = (a: Float32Array, j: number) => Float32Array.from({ length: task.test.n }, (_, i) => a[i * width + j]);
  const series = outputs.map(({ name, col }) => ({ name, true: column(truth, col), pred: column(pred, col) }));
  return [{ name: input.name(), svg: predictedVsTrueSvg(series, { title: [...input.head, ...prunedAt(input), 'test set'].join(' · ') }) }];
}

export interface PredictionSeries {
  readonly name: string;
  readonly true: Float32Array;
  readonly pred: Float32Array;
}

/**
 * One small panel per output: predicted against true value, with the y = x diagonal a perfect
 * model would lie on, and the test MSE. Axes are linear unless the values crowd near zero on
 * them (crowdedNearZero), so errors keep their true size wherever they are.
 */
export function predictedVsTrueSvg(series: readonly PredictionSeries[], opts: { title?: string } = {}): string {
  const P = 220;
  const columns = Math.min(3, Math.max(1, series.length));
  const panels: { body: string; left: number }[] = series.map((s, k) => {
    const vals = finite([...s.true, ...s.pred]);
    const scaleOpts = { pad: true, ticks: 4, log: crowdedNearZero(vals) } as const;
    const x = valueScale(vals, 0, P, scaleOpts);
    const y = valueScale(vals, P, 0, scaleOpts);
    const d0 = Math.max(x.domain[0], y.domain[0]);
    const d1 = Math.min(x.domain[1], y.domain[1]);
    const dots: string[] = [];
    let se = 0;
    let m = 0;
    for (let i = 0; i < s.true.length; i++) {
      const t = s.true[i];
      const p = s.pred[i];
      if (!Number.isFinite(t) || !Number.isFinite(p)) continue;
      se += (t - p) ** 2;
      m++;
      dots.push(el('circle', { cx: x.map(t), cy: y.map(p), r: 2.4, fill: categorical(0), 'fill-opacity': 0.65 }));
    }
    const clipId = `clip-pred-${k}`;
    const body = el(
      'g',
      { class: 'panel', 'data-scale': x.log ? 'log' : 'linear' },
      clipRect(clipId, P, P),
      axesFrame(x, y, P, P, { xLabel: 'true', yLabel: 'predicted', grid: true }),
      el('line', { x1: x.map(d0), y1: y.map(d0), x2: x.map(d1), y2: y.map(d1), stroke: MUTED, 'stroke-dasharray': '5,3', class: 'diagonal' }),
      el('g', { 'clip-path': `url(#${clipId})` }, ...dots),
      text(s.name, { x: P / 2, y: -8, 'text-anchor': 'middle', 'font-size': LABEL_FONT, 'font-weight': 'bold', fill: INK }),
      m > 0 ? text(`MSE ${shortNumber(Number((se / m).toPrecision(2)))}`, { x: 6, y: 16, 'font-size': 11, fill: INK }) : '',
    );
    return { body, left: leftRoom(y) };
  });
  const left = Math.max(40, ...panels.map((p) => p.left));
  const titleW = Math.max(0, ...series.map((s) => textWidth(s.name, LABEL_FONT))) - P;
  const cellW = left + P + 24 + Math.max(0, titleW);
  const cellH = 28 + P + X_AXIS_ROOM + 10;
  const head = heading(columns * cellW + 10, opts.title);
  const top = head.height + (opts.title !== undefined ? 8 : 4);
  const rows = Math.ceil(series.length / columns);
  const parts = panels.map((p, k) => translate(head.shift + 10 + (k % columns) * cellW + left + Math.max(0, titleW) / 2, top + Math.floor(k / columns) * cellH + 28, p.body));
  return svgDocument(head.width, top + rows * cellH, [...parts, ...head.parts], opts.title);
}
