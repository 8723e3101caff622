/**
 * Task pictures beside the network: the decision regions of a 2-D classifier (two moons), an
 * embedding drawn in two dimensions with its tokens named (modular addition, S4), and predicted
 * against true values per output (symbolic formulas).
 */
import { axesFrame, clipRect, crowdedNearZero, finite, leftRoom, LABEL_FONT, shortNumber, valueScale, X_AXIS_ROOM, type AxisScale } from './axes.js';
import { categorical, cyclic, INK, lighten, MUTED } from './palette.js';
import { el, fmt, svgDocument, text, textWidth, translate } from './svg.js';


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

export interface EmbeddingPoint {
  readonly x: number;
  readonly y: number;
  readonly label: string;
  /** This point's colour (e.g. a permutation's sign), instead of its place in the order. */
  readonly color?: string;
}

export interface EmbeddingOptions {
  readonly title?: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  /**
   * Colour points around a hue circle in the order given (default), so an ordering such as
   * residues a * k mod p reads as a loop; 'none' draws them all alike.
   */
  readonly color?: 'order' | 'none';
  /** Lines under the title: what the picture shows and where its points come from. */
  readonly caption?: readonly string[];
}

/**
 * A 2-D scatter of named points with equal scales on both axes (a circle stays a circle), each
 * label placed outward from the centre of the cloud so labels of a ring do not cross it. Where a
 * label would overlap one already placed or another point (points in a clump rather than a ring)
 * it is left out, earlier points first, and the caption says how many are missing: the colours
 * still give the order.
 */
export function embeddingSvg(points: readonly EmbeddingPoint[], opts: EmbeddingOptions = {}): string {
  const S = 420;
  const area = embeddingArea(points, S, opts.color);
  const axes = { title: opts.title, caption: [...(opts.caption ?? []), ...missingNote(area)], xLabel: opts.xLabel ?? 'PC 1', yLabel: opts.yLabel ?? 'PC 2' };
  return chart(S, S, area.x, area.y, axes, area.content, []);
}

/** One plot area of an embedding picture side by side with others. */
export interface EmbeddingPanel {
  readonly points: readonly EmbeddingPoint[];
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
}

/**
 * Several embedding scatters in a row, as `embeddingSvg` draws one, each with its own title and
 * axes (e.g. one plane per frequency of a group of embedding dimensions).
 */
export function embeddingPanelsSvg(panels: readonly EmbeddingPanel[], opts: { title?: string; caption?: readonly string[] } = {}): string {
  const S = panels.length > 1 ? 320 : 420;
  const areas = panels.map((p) => embeddingArea(p.points, S, 'order'));
  const lefts = areas.map((a) => leftRoom(a.y) + 6);
  const cells = lefts.map((l) => l + S + 16);
  const head = heading(cells.reduce((a, b) => a + b, 0), opts.title, [...(opts.caption ?? []), ...missingNote(...areas)]);
  const top = head.height + 12 + LABEL_FONT + 14;
  let x0 = head.shift;
  const parts = panels.map((p, k) => {
    const a = areas[k];
    const id = `clip-embedding-${k}`;
    const body = translate(
      x0 + lefts[k],
      top,
      clipRect(id, S, S),
      el('g', { 'clip-path': `url(#${id})` }, ...a.content),
      axesFrame(a.x, a.y, S, S, { xLabel: p.xLabel, yLabel: p.yLabel }),
      text(p.title, { x: S / 2, y: -8, 'text-anchor': 'middle', 'font-size': LABEL_FONT, 'font-weight': 'bold', fill: INK, class: 'panel-title' }),
    );
    x0 += cells[k];
    return el('g', { class: 'embedding-panel' }, body);
  });
  return svgDocument(head.width, top + S + X_AXIS_ROOM, [...parts, ...head.parts], opts.title);
}

interface EmbeddingArea {
  readonly x: AxisScale;
  readonly y: AxisScale;
  /** The dots and the labels that fit, in plot-area pixels. */
  readonly content: string[];
  readonly shown: number;
  readonly labelled: number;
}

/** Scales, dots and non-overlapping labels of one S x S embedding scatter (see embeddingSvg). */
function embeddingArea(points: readonly EmbeddingPoint[], S: number, colour: 'order' | 'none' = 'order'): EmbeddingArea {
  const pts = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y);
  // Same span on both axes, centred on the data, with room for the labels.
  const cx = xs.length ? (Math.min(...xs) + Math.max(...xs)) / 2 : 0;
  const cy = ys.length ? (Math.min(...ys) + Math.max(...ys)) / 2 : 0;
  const half = Math.max(1e-12, ...xs.map((v) => Math.abs(v - cx)), ...ys.map((v) => Math.abs(v - cy))) * 1.15;
  const x = valueScale([cx - half, cx + half], 0, S, { exact: true });
  const y = valueScale([cy - half, cy + half], S, 0, { exact: true });
  const mx = xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const my = ys.reduce((a, b) => a + b, 0) / Math.max(1, ys.length);
  const dots: string[] = [];
  const labels: string[] = [];
  const placed: Rect[] = [];
  const R = 3.5;
  const dotBoxes: Rect[] = pts.map((p) => [x.map(p.x) - R, y.map(p.y) - R, x.map(p.x) + R, y.map(p.y) + R]);
  pts.forEach((p, i) => {
    const color = p.color ?? (colour === 'none' ? INK : cyclic(i / Math.max(1, pts.length)));
    const px = x.map(p.x);
    const py = y.map(p.y);
    dots.push(el('circle', { cx: px, cy: py, r: R, fill: color }));
    // Outward unit direction in pixels (y flipped); points at the centre get labels to the right.
    let ux = x.map(p.x) - x.map(mx);
    let uy = y.map(p.y) - y.map(my);
    const len = Math.hypot(ux, uy);
    [ux, uy] = len > 1e-6 ? [ux / len, uy / len] : [1, 0];
    let anchor = ux > 0.35 ? 'start' : ux < -0.35 ? 'end' : 'middle';
    let [tx, ty] = [px + ux * 7, py + uy * 7 + 3.5];
    const w = textWidth(p.label, EMBEDDING_FONT);
    const left = () => (anchor === 'start' ? tx : anchor === 'end' ? tx - w : tx - w / 2);
    // The plot area clips, so a label that would cross its side goes on the dot's other side
    // ("0123 1032" at the right edge reads leftwards), one crossing the top or bottom below or above.
    if (left() < 0) [anchor, tx] = ['start', px + 7];
    else if (left() + w > S) [anchor, tx] = ['end', px - 7];
    if (ty - EMBEDDING_FONT * 0.8 < 0) ty = py + 7 + EMBEDDING_FONT * 0.8;
    else if (ty + EMBEDDING_FONT * 0.2 > S) ty = py - 7;
    const x0 = left();
    // A pixel of room each side, so neighbouring numbers do not run together ("13" "20" as "1320").
    const box: Rect = [x0 - 1, ty - EMBEDDING_FONT * 0.8, x0 + w + 1, ty + EMBEDDING_FONT * 0.2];
    const inside = box[0] >= 0 && box[2] <= S && box[1] >= 0 && box[3] <= S;
    if (!inside || placed.some((b) => overlaps(b, box)) || dotBoxes.some((b, j) => j !== i && overlaps(b, box))) return;
    placed.push(box);
    labels.push(text(p.label, { x: tx, y: ty, 'text-anchor': anchor, 'font-size': EMBEDDING_FONT, fill: color }));
  });
  return { x, y, content: [el('g', { class: 'points' }, ...dots), el('g', { class: 'labels' }, ...labels)], shown: pts.length, labelled: labels.length };
}

/** The caption line that counts the labels left out, if any. */
function missingNote(...areas: readonly EmbeddingArea[]): string[] {
  const shown = areas.reduce((n, a) => n + a.shown, 0);
  const missing = shown - areas.reduce((n, a) => n + a.labelled, 0);
  return missing > 0 ? [`${missing} of ${shown} labels left out where they would overlap`] : [];
}

const EMBEDDING_FONT = 10;

/** [x0, y0, x1, y1] in pixels. */
type Rect = [number, number, number, number];

function overlaps(a: Rect, b: Rect): boolean {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
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

/**
 * The title, and caption lines under it, over content `contentW` wide: the figure widens to a
 * longer title rather than cutting it (the run's name leads it), and the content then moves to
 * the middle by `shift`. `height` is the room the heading takes at the top.
 */
function heading(contentW: number, title: string | undefined, caption: readonly string[] = []): { width: number; shift: number; height: number; parts: string[] } {
  if (title === undefined && caption.length === 0) return { width: contentW, shift: 0, height: 0, parts: [] };
  const lines = [...(title !== undefined ? [textWidth(title, 14)] : []), ...caption.map((c) => textWidth(c, CAPTION_FONT))];
  const width = Math.max(contentW, Math.max(...lines) + 24);
  const parts: string[] = [];
  let y = 0;
  if (title !== undefined) {
    y += 22;
    parts.push(text(title, { x: width / 2, y, 'text-anchor': 'middle', 'font-size': 14, 'font-weight': 'bold', fill: INK }));
  }
  for (const c of caption) {
    y += CAPTION_FONT + 4;
    parts.push(text(c, { x: width / 2, y, 'text-anchor': 'middle', 'font-size': CAPTION_FONT, fill: MUTED, class: 'caption' }));
  }
  return { width, shift: (width - contentW) / 2, height: y, parts };
}

const CAPTION_FONT = 11;

/**
 * A single plot area of w x h with axes, clipped content, optional class legend to the right and
 * optional title: the frame shared by the decision-boundary and embedding pictures.
 */
function chart(
  w: number,
  h: number,
  x: AxisScale,
  y: AxisScale,
  opts: { title?: string; caption?: readonly string[]; xLabel?: string; yLabel?: string },
  content: string[],
  legend: readonly { name: string; color: string }[],
): string {
  const left = leftRoom(y) + 6;
  const legendW = legend.length ? 24 + Math.max(...legend.map((l) => textWidth(l.name, 11))) + 12 : 0;
  const parts = [
    clipRect('clip-chart', w, h),
    el('g', { 'clip-path': 'url(#clip-chart)' }, ...content),
    axesFrame(x, y, w, h, { xLabel: opts.xLabel ?? 'x₁', yLabel: opts.yLabel ?? 'x₂' }),
  ];
  legend.forEach((l, i) => {
    parts.push(el('circle', { cx: w + 18, cy: 10 + i * 18, r: 4, fill: l.color }));
    parts.push(text(l.name, { x: w + 28, y: 14 + i * 18, 'font-size': 11, fill: INK }));
  });
  const head = heading(left + w + 16 + legendW, opts.title, opts.caption);
  const top = head.height + 12;
  return svgDocument(head.width, top + h + X_AXIS_ROOM, [translate(head.shift + left, top, ...parts), ...head.parts], opts.title);
}
