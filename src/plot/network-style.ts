/**
 * What the network drawings share (src/plot/network.ts for 1-D layers, network-2d.ts for grids and
 * rings): which weights are drawn, the key of line colours and widths (a weight's own line is
 * edge-style.ts's), and the module legend.
 */
import { forEachWeight, type GraphEdge, type NetworkGraph } from '../bimt/graph.js';
import type { Network } from '../model/network.js';
import { stageWidth } from '../model/model-graph.js';
import { nameList } from '../util/excerpt.js';
import { shortNumber } from './axes.js';
import { INK, moduleColour, MUTED } from './palette.js';
import { edgeStyle } from './edge-style.js';
import { el, text, textWidth } from './svg.js';

export interface NetworkPlotOptions {
  /** Draw only this graph's edges and alive neurons, neurons tinted by module. */
  readonly pruned?: NetworkGraph;
  readonly title?: string;
  /**
   * Weights below this fraction of their layer's max |w| are left out. Default SKIP_BELOW
   * (edge-style.ts).
   */
  readonly skipBelow?: number;
  /** Keys under the picture: what line colour and width mean, and (pruned) the modules. Default true. */
  readonly legend?: boolean;
}

export interface NetworkBody {
  readonly width: number;
  readonly height: number;
  /** A <g> already translated into a width x height canvas. */
  readonly body: string;
}

/** Bounding box accumulated while drawing, so margins are exactly what the labels need. */
export class Box {
  x0 = Infinity;
  y0 = Infinity;
  x1 = -Infinity;
  y1 = -Infinity;
  add(x0: number, y0: number, x1: number, y1: number): void {
    this.x0 = Math.min(this.x0, x0);
    this.y0 = Math.min(this.y0, y0);
    this.x1 = Math.max(this.x1, x1);
    this.y1 = Math.max(this.y1, y1);
  }
}

/** Edges to draw: all weights of the network (q, k and v merged as in the graph), or the pruned graph's. */
export function edgesOf(net: Network, pruned: NetworkGraph | undefined): GraphEdge[] {
  if (pruned) return pruned.edges.slice();
  const edges: GraphEdge[] = [];
  net.graph.links.forEach((l, k) => {
    if (!l.weight) return;
    const nTo = stageWidth(net.graph, l.to);
    const strongest = new Map<number, number>();
    forEachWeight(net, k, (i, o, w) => {
      const key = i * nTo + o;
      const prev = strongest.get(key);
      if (prev === undefined || Math.abs(w) > Math.abs(prev)) strongest.set(key, w);
    });
    for (const [key, w] of strongest) edges.push({ layer: k, from: Math.floor(key / nTo), to: key % nTo, weight: w });
  });
  return edges;
}

/** Relative sizes the width key shows. */
const KEY_SIZES: readonly [number, string][] = [
  [1, 'max'],
  [0.5, 'max/2'],
  [0.1, 'max/10'],
];

/**
 * Under the picture: sample lines for each sign and for a few widths, and the largest |w| of each
 * weight layer (widths are relative to it, so equal widths in two layers are not equal weights).
 */
export function weightKey(maxAbs: Float64Array, box: Box): string {
  const items: string[] = [];
  const y = box.y1 + 22;
  let x = box.x0;
  const sample = (weight: number, rel: number, caption: string) => {
    items.push(el('line', { x1: x, x2: x + 22, y1: y - 4, y2: y - 4, 'stroke-linecap': 'round', ...edgeStyle(weight, rel) }));
    items.push(text(caption, { x: x + 28, y, 'font-size': 11, fill: INK }));
    x += 28 + textWidth(caption, 11) + 14;
  };
  sample(1, 1, 'w > 0');
  sample(-1, 1, 'w < 0');
  const head = 'width ∝ |w|:';
  items.push(text(head, { x, y, 'font-size': 11, fill: INK }));
  x += textWidth(head, 11) + 8;
  KEY_SIZES.forEach(([rel, caption]) => sample(1, rel, caption));
  const layerMax = `max = largest |w| in the line's layer: ${Array.from(maxAbs, (m) => shortNumber(m)).join(', ')} (input → output)`;
  items.push(text(layerMax, { x: box.x0, y: y + 16, 'font-size': 11, fill: MUTED }));
  box.add(box.x0, y - 11, Math.max(x, box.x0 + textWidth(layerMax, 11)), y + 20);
  return el('g', { class: 'weight-key' }, ...items);
}

const LEGEND_MAX_MODULES = 8;

/** Module swatches with what each module reads and computes, one row each, under the picture. */
export function legend(g: NetworkGraph, box: Box): string {
  const rows: string[] = [];
  const list = (xs: readonly string[]) => nameList(xs, 6);
  let y = box.y1 + 22;
  const x0 = box.x0;
  g.modules.slice(0, LEGEND_MAX_MODULES).forEach((m, k) => {
    const line = `module ${k + 1}: ${m.neurons.length} neurons; in: ${list(m.inputs) || '–'}; out: ${list(m.outputs) || '–'}`;
    rows.push(el('rect', { x: x0, y: y - 9, width: 10, height: 10, fill: moduleColour(k), stroke: INK, 'stroke-width': 0.5 }));
    rows.push(text(line, { x: x0 + 16, y, 'font-size': 11, fill: INK }));
    box.add(x0, y - 11, x0 + 16 + textWidth(line, 11), y + 4);
    y += 16;
  });
  if (g.modules.length > LEGEND_MAX_MODULES) {
    const more = `+ ${g.modules.length - LEGEND_MAX_MODULES} smaller modules`;
    rows.push(text(more, { x: x0 + 16, y, 'font-size': 11, fill: MUTED }));
    box.add(x0, y - 11, x0 + 16 + textWidth(more, 11), y + 4);
  }
  return el('g', { class: 'legend' }, ...rows);
}

