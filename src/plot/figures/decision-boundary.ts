/**
 * The decision-boundary picture of a classifier of two features (two moons): the network's class
 * over the plane of its inputs, shaded by confidence, the boundary between the classes, and the
 * test points coloured by their true class.
 */
import { classProbabilities, evaluateNetwork } from '../../train/evaluate.js';
import { valueScale, type AxisScale } from '../axes.js';
import { prunedAt, type Figure, type TaskFigureInput } from '../figure.js';
import { categorical, INK, lighten } from '../palette.js';
import { el, fmt } from '../svg.js';
import { chart, percent } from './layout.js';

/** Grid cells along the longer side of the decision-boundary picture. */
const GRID_CELLS = 240;

/**
 * A classifier of two features (two moons): P(class 1) of the network on a grid covering train and
 * test data with a margin of a tenth of the data's extent, and the test points on top.
 */
export function decisionBoundaryFigures(input: TaskFigureInput): Figure[] {
  const { net, task } = input;
  const xs = [task.train.x, task.test.x] as Float32Array[];
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const x of xs) {
    for (let i = 0; i < x.length; i += 2) {
      x0 = Math.min(x0, x[i]);
      x1 = Math.max(x1, x[i]);
      y0 = Math.min(y0, x[i + 1]);
      y1 = Math.max(y1, x[i + 1]);
    }
  }
  const margin = 0.1 * Math.max(x1 - x0, y1 - y0, 1e-6);
  [x0, x1, y0, y1] = [x0 - margin, x1 + margin, y0 - margin, y1 + margin];
  const long = Math.max(x1 - x0, y1 - y0);
  const nx = Math.max(2, Math.round((GRID_CELLS * (x1 - x0)) / long));
  const ny = Math.max(2, Math.round((GRID_CELLS * (y1 - y0)) / long));
  const box = { x0, x1, y0, y1, nx, ny };
  const centres = gridCentres(box);

  const k = task.outputLabels.length;
  const probs = classProbabilities(net, centres, nx * ny);
  const prob = Float32Array.from({ length: nx * ny }, (_, i) => probs[i * k + 1]);
  const acc = evaluateNetwork(net, task).testAcc;
  const accuracy = acc !== null ? [`test accuracy ${percent(acc)}`] : [];
  const title = [...input.head, ...prunedAt(input), ...accuracy].join(' · ');
  const svg = decisionBoundarySvg(
    { grid: { ...box, prob }, points: { x: task.test.x as Float32Array, y: task.test.y as Int32Array } },
    { title, classNames: task.outputLabels, xLabel: task.inputLabels[0], yLabel: task.inputLabels[1] },
  );
  return [{ name: input.name(), svg }];
}

/**
 * A model evaluated on a grid of nx x ny cells covering [x0, x1] x [y0, y1]. Cell (i, j) has its
 * centre at (x0 + (i + 0.5) dx, y0 + (j + 0.5) dy), dx = (x1 - x0) / nx, and its value at index
 * j * nx + i (row j counted from y0 upwards). `gridCentres` gives the points to evaluate.
 */
export type DecisionGrid = {
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
  readonly nx: number;
  readonly ny: number;
} & (
  | { /** Predicted class per cell. */ readonly classOf: Int32Array }
  | { /** P(class 1) per cell (two classes); shading shows confidence. */ readonly prob: Float32Array }
);

export interface LabelledPoints {
  /** [n, 2] row-major coordinates. */
  readonly x: Float32Array;
  /** [n] class of each point. */
  readonly y: Int32Array;
}

export interface DecisionBoundaryOptions {
  readonly title?: string;
  readonly classNames?: readonly string[];
  readonly xLabel?: string;
  readonly yLabel?: string;
}

/** Cell centres [nx * ny, 2] of a grid, in the order the grid's values are read. */
export function gridCentres(g: { x0: number; x1: number; y0: number; y1: number; nx: number; ny: number }): Float32Array {
  const out = new Float32Array(g.nx * g.ny * 2);
  const dx = (g.x1 - g.x0) / g.nx;
  const dy = (g.y1 - g.y0) / g.ny;
  for (let j = 0; j < g.ny; j++) {
    for (let i = 0; i < g.nx; i++) {
      out[2 * (j * g.nx + i)] = g.x0 + (i + 0.5) * dx;
      out[2 * (j * g.nx + i) + 1] = g.y0 + (j + 0.5) * dy;
    }
  }
  return out;
}

const REGION_LIGHT = 0.72;

/** Mix two #rrggbb colours; t = 0 gives a. */
function mix(a: string, b: string, t: number): string {
  const pa = parseInt(a.slice(1), 16);
  const pb = parseInt(b.slice(1), 16);
  const ch = (s: number) => Math.round(((pa >> s) & 255) * (1 - t) + ((pb >> s) & 255) * t);
  return `#${((1 << 24) | (ch(16) << 16) | (ch(8) << 8) | ch(0)).toString(16).slice(1)}`;
}

/** Region colour of each cell: light class colours, or for probabilities a blend in 16 steps. */
function cellColours(g: DecisionGrid): string[] {
  const n = g.nx * g.ny;
  if ('classOf' in g) {
    if (g.classOf.length !== n) throw new RangeError(`decision grid: classOf has ${g.classOf.length} cells, expected ${g.nx} x ${g.ny}`);
    return Array.from(g.classOf, (c) => lighten(categorical(c), REGION_LIGHT));
  }
  if (g.prob.length !== n) throw new RangeError(`decision grid: prob has ${g.prob.length} cells, expected ${g.nx} x ${g.ny}`);
  const c0 = lighten(categorical(0), REGION_LIGHT);
  const c1 = lighten(categorical(1), REGION_LIGHT);
  // Quantised so neighbouring cells share colours and merge into long rectangles.
  return Array.from(g.prob, (p) => mix(c0, c1, Math.round(Math.min(1, Math.max(0, Number.isFinite(p) ? p : 0.5)) * 16) / 16));
}

/**
 * Two-moons style picture: class regions of the model (shaded cells) and the data points coloured
 * by their true class.
 */
export function decisionBoundarySvg(input: { grid: DecisionGrid; points: LabelledPoints }, opts: DecisionBoundaryOptions = {}): string {
  const { grid: g, points } = input;
  const W = 400;
  const H = Math.min(560, Math.max(220, (W * (g.y1 - g.y0)) / (g.x1 - g.x0)));
  const x = valueScale([g.x0, g.x1], 0, W, { exact: true });
  const y = valueScale([g.y0, g.y1], H, 0, { exact: true });
  const colours = cellColours(g);
  const dx = (g.x1 - g.x0) / g.nx;
  const dy = (g.y1 - g.y0) / g.ny;
  const cells: string[] = [];
  for (let j = 0; j < g.ny; j++) {
    const top = y.map(g.y0 + (j + 1) * dy);
    const h = y.map(g.y0 + j * dy) - top;
    // Runs of equal colour along a row become one rectangle (x10-100 fewer elements).
    for (let i = 0; i < g.nx; ) {
      const c = colours[j * g.nx + i];
      let k = i + 1;
      while (k < g.nx && colours[j * g.nx + k] === c) k++;
      const left = x.map(g.x0 + i * dx);
      // Overlap neighbours by a fraction of a pixel so anti-aliasing leaves no hairline seams.
      cells.push(el('rect', { x: left, y: top, width: x.map(g.x0 + k * dx) - left + 0.5, height: h + 0.5, fill: c }));
      i = k;
    }
  }
  const boundary = boundaryPath(g, x, y);
  const n = points.y.length;
  const dots: string[] = [];
  for (let p = 0; p < n; p++) {
    const px = points.x[2 * p];
    const py = points.x[2 * p + 1];
    if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
    dots.push(el('circle', { cx: x.map(px), cy: y.map(py), r: 3.2, fill: categorical(points.y[p]), stroke: 'white', 'stroke-width': 0.8, class: `class-${points.y[p]}` }));
  }
  const classes = [...new Set(Array.from(points.y))].sort((a, b) => a - b);
  const legendItems = classes.map((c) => ({ name: opts.classNames?.[c] ?? `class ${c}`, color: categorical(c) }));
  return chart(
    W,
    H,
    x,
    y,
    opts,
    [
      // crispEdges: anti-aliased edges of abutting cells let the white background show as seams.
      el('g', { class: 'regions', 'shape-rendering': 'crispEdges' }, ...cells),
      boundary ? el('path', { d: boundary, fill: 'none', stroke: INK, 'stroke-width': 1.2, 'stroke-opacity': 0.7, class: 'boundary' }) : '',
      el('g', { class: 'points' }, ...dots),
    ],
    legendItems,
  );
}

/**
 * The decision boundary as the cell edges between cells of different predicted class (p > 0.5
 * for probabilities): a staircase at grid resolution, which at 100+ cells a side reads as a curve.
 */
function boundaryPath(g: DecisionGrid, x: AxisScale, y: AxisScale): string {
  const n = g.nx * g.ny;
  const cls = 'classOf' in g ? g.classOf : Int32Array.from({ length: n }, (_, k) => (g.prob[k] > 0.5 ? 1 : 0));
  const dx = (g.x1 - g.x0) / g.nx;
  const dy = (g.y1 - g.y0) / g.ny;
  let d = '';
  for (let j = 0; j < g.ny; j++) {
    for (let i = 0; i < g.nx; i++) {
      const c = cls[j * g.nx + i];
      if (i + 1 < g.nx && cls[j * g.nx + i + 1] !== c) {
        const px = x.map(g.x0 + (i + 1) * dx);
        d += `M${fmt(px)},${fmt(y.map(g.y0 + j * dy))}V${fmt(y.map(g.y0 + (j + 1) * dy))}`;
      }
      if (j + 1 < g.ny && cls[(j + 1) * g.nx + i] !== c) {
        const py = y.map(g.y0 + (j + 1) * dy);
        d += `M${fmt(x.map(g.x0 + i * dx))},${fmt(py)}H${fmt(x.map(g.x0 + (i + 1) * dx))}`;
      }
    }
  }
  return d;
}
