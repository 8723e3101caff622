/**
 * Embeddings drawn in two dimensions with their tokens named: one scatter, or several side by side
 * (one plane each), labels placed where they do not overlap. The frequency and sign pictures of
 * token embeddings (embedding-frequencies.ts, embedding-sign.ts) draw their planes with these.
 */
import { axesFrame, clipRect, LABEL_FONT, leftRoom, valueScale, X_AXIS_ROOM, type AxisScale } from '../axes.js';
import { cyclic, INK } from '../palette.js';
import { el, svgDocument, text, textWidth, translate } from '../svg.js';
import { chart, heading } from './layout.js';

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
