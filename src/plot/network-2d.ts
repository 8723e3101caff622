/**
 * The network picture of a network whose layers are 2-D (grids and rings, `model.geometry`), as
 * the paper's Figure 8 draws MNIST: each neuron layer a unit square seen in a flattened
 * perspective (a parallelogram, grid row 0 at the back), the layers stacked from the input
 * (bottom) to the output (top), and every weight a line between its two neurons' positions,
 * width by |w| relative to the largest |w| of its layer, blue positive and red negative (the same
 * key as the 1-D drawing, src/plot/network-style.ts).
 *
 * Output labels sit outside a ring, along the direction from its centre, following the output
 * permutation; a layer of at most MAX_LABELLED positions that is not a ring is labelled under
 * (input) or over (output) each neuron, and larger ones (28x28 pixels) not at all. A pruned
 * picture draws only alive neurons (and every output, unconnected ones hollow), tinted by module.
 * Fold copies of a folded input share their position and are drawn on top of each other.
 */
import { inputLabel, outputLabel, type Labels } from '../bimt/graph.js';
import { describeLayerShape, type LayerShape } from '../model/geometry.js';
import { layerOf, stageWidth, type NeuronLayer } from '../model/model-graph.js';
import type { Network } from '../model/network.js';
import { edgeStyle, SKIP_BELOW } from './edge-style.js';
import { Box, edgesOf, legend, weightKey, type NetworkBody, type NetworkPlotOptions } from './network-style.js';
import { INK, moduleColour, MUTED, PLANE_EDGE, PLANE_FILL } from './palette.js';
import { el, fmt, text, textWidth, translate } from './svg.js';

/** Width of a layer's square on the page, its depth after the perspective, and the back edge's shift right. */
const PLANE_W = 460;
const PLANE_H = 0.34 * PLANE_W;
const SHEAR = 0.36 * PLANE_W;
/** Vertical space between one plane's front edge and the next plane's back edge. */
const GAP = 80;
const MAX_LABELLED = 30;
const FONT = 11;
const PAD = 12;

/** Where the planes and neurons of a 2-D network go on the page (before the margins). */
interface PlaneGeometry {
  readonly L: number;
  readonly layers: readonly NeuronLayer[];
  readonly shapes: readonly LayerShape[];
  /** Page position of point (u, v) of the unit square of stage l. */
  readonly project: (l: number, u: number, v: number) => [number, number];
  /** Page position of neuron n of stage l. */
  readonly at: (l: number, n: number) => [number, number];
  readonly radius: readonly number[];
  /** Where neuron n's label goes (text centred there), or undefined where stage l is not labelled. */
  readonly labelAt: (l: number, n: number) => [number, number] | undefined;
}

function planeGeometry(net: Network): PlaneGeometry {
  const g = net.graph;
  const L = g.stages.length - 1;
  const layers = g.stages.map((st) => layerOf(g, st.layer));
  const shapes: readonly LayerShape[] = layers.map((l) => l.shape);
  const front = (l: number) => (L - l) * (PLANE_H + GAP) + PLANE_H;
  const project = (l: number, u: number, v: number): [number, number] => [u * PLANE_W + (1 - v) * SHEAR, front(l) - (1 - v) * PLANE_H];
  const at = (l: number, n: number): [number, number] => {
    const geo = layers[l]!.geometry;
    const p = n % layers[l]!.size;
    return geo.dims === 2 ? project(l, geo.coords[2 * p]!, geo.coords[2 * p + 1]!) : project(l, geo.coords[p]!, 0.5);
  };
  // Dots a third of the tighter spacing of the layer across and in depth.
  const radius = layers.map((layer, l) => {
    const s = shapes[l];
    const across = s?.kind === 'grid' ? PLANE_W / s.width : PLANE_W / Math.max(4, layer.size / 3);
    const deep = s?.kind === 'grid' ? PLANE_H / s.height : PLANE_H / 4;
    return Math.min(4.5, Math.max(1.2, 0.3 * Math.min(across, deep)));
  });
  // Inputs and outputs only, and only rings and layers small enough for their labels to fit.
  const labelled = layers.map((layer, l) => (l === 0 || l === L) && (shapes[l]?.kind === 'ring' || layer.size <= MAX_LABELLED));
  const labelAt = (l: number, n: number): [number, number] | undefined => {
    if (!labelled[l]) return undefined;
    const [cx, cy] = at(l, n);
    if (shapes[l]?.kind !== 'ring') return [cx, l === 0 ? cy + radius[l]! + FONT : cy - radius[l]! - 4];
    // Outward from the ring's centre, far enough for the text to clear the dot.
    const geo = layers[l]!.geometry;
    const p = n % layers[l]!.size;
    const [ox, oy] = project(l, 0.5, 0.5);
    const [px, py] = project(l, 0.5 + (geo.coords[2 * p]! - 0.5) * 1.45, 0.5 + (geo.coords[2 * p + 1]! - 0.5) * 1.45);
    const d = Math.hypot(px - ox, py - oy) || 1;
    return [px + ((px - ox) / d) * 4, py + ((py - oy) / d) * 4 + 0.35 * FONT];
  };
  return { L, layers, shapes, project, at, radius, labelAt };
}

/** Where the planes' names go: right of each plane's middle. */
function planeName(geo: PlaneGeometry, l: number): { name: string; at: [number, number] } {
  const s = geo.shapes[l];
  const layer = geo.layers[l]!;
  const [x, y] = geo.project(l, 1, 0.5);
  return { name: `${layer.name} · ${s ? describeLayerShape(s) : `${layer.size}`}`, at: [x + 14, y + 4] };
}

/** A plane's corners, clockwise from the front left. */
function corners(geo: PlaneGeometry, l: number): [number, number][] {
  return [geo.project(l, 0, 0), geo.project(l, 1, 0), geo.project(l, 1, 1), geo.project(l, 0, 1)];
}

/** Where network2dBody puts a 2-D network's neurons, planes and labels, before its margins. */
export interface PlanePositions {
  /** Page position of neuron n of stage s: x[s][n], y[s][n]. */
  readonly x: number[][];
  readonly y: number[][];
  readonly radius: number[];
  /** Per stage, its plane: corners, name, and where the name goes (text starting there). */
  readonly planes: { readonly corners: [number, number][]; readonly name: string; readonly at: [number, number] }[];
  /** Per stage, where each neuron's label goes (text centred there), or null where the stage has no labels. */
  readonly labels: ([number, number][] | null)[];
}

/**
 * The still picture's positions, for drawings of their own (`bimt view`) that must match it. They
 * depend on the architecture alone, not on the permutations, so one set serves every checkpoint.
 */
export function planePositions(net: Network): PlanePositions {
  const g = net.graph;
  const geo = planeGeometry(net);
  const widths = g.stages.map((_, s) => stageWidth(g, s));
  const pts = widths.map((w, l) => Array.from({ length: w }, (_, n) => geo.at(l, n)));
  return {
    x: pts.map((row) => row.map((p) => p[0])),
    y: pts.map((row) => row.map((p) => p[1])),
    radius: [...geo.radius],
    planes: widths.map((_, l) => ({ corners: corners(geo, l), ...planeName(geo, l) })),
    labels: widths.map((w, l) => (geo.labelAt(l, 0) === undefined ? null : Array.from({ length: w }, (_, n) => geo.labelAt(l, n)!))),
  };
}

/** The picture without the <svg> wrapper (src/plot/network.ts's `networkBody` sends 2-D networks here). */
export function network2dBody(net: Network, labels: Labels, opts: NetworkPlotOptions = {}): NetworkBody {
  const g = net.graph;
  const widths = g.stages.map((_, s) => stageWidth(g, s));
  const geo = planeGeometry(net);
  const { L, layers, at, radius } = geo;
  const pruned = opts.pruned;
  const box = new Box();

  const planes: string[] = [];
  const texts: string[] = [];
  for (let l = 0; l <= L; l++) {
    const cs = corners(geo, l);
    planes.push(el('polygon', { points: cs.map(([x, y]) => `${fmt(x)},${fmt(y)}`).join(' '), fill: PLANE_FILL, stroke: PLANE_EDGE, 'stroke-width': 0.8 }));
    for (const [x, y] of cs) box.add(x, y, x, y);
    const { name, at: [x, y] } = planeName(geo, l);
    texts.push(text(name, { x, y, 'font-size': FONT, fill: MUTED, class: 'stage-name' }));
    box.add(x, y - 12, x + textWidth(name, FONT), y + 2);
  }

  const edges = edgesOf(net, pruned);
  const maxAbs = new Float64Array(g.links.length);
  for (const e of edges) maxAbs[e.layer] = Math.max(maxAbs[e.layer], Math.abs(e.weight));
  const skip = opts.skipBelow ?? SKIP_BELOW;
  const shown = edges.filter((e) => maxAbs[e.layer] > 0 && Math.abs(e.weight) >= skip * maxAbs[e.layer]);
  shown.sort((a, b) => Math.abs(a.weight) / maxAbs[a.layer] - Math.abs(b.weight) / maxAbs[b.layer]);
  const lines = shown.map((e) => {
    const { from, to } = g.links[e.layer]!;
    const [x1, y1] = at(from, e.from);
    const [x2, y2] = at(to, e.to);
    return el('line', { x1, y1, x2, y2, ...edgeStyle(e.weight, Math.abs(e.weight) / maxAbs[e.layer]) });
  });

  const moduleOf = new Map<string, number>();
  pruned?.modules.forEach((m, k) => m.neurons.forEach(([l, n]) => moduleOf.set(`${l}:${n}`, k)));
  const neurons: string[] = [];
  for (let l = 0; l <= L; l++) {
    const listed = pruned
      ? pruned.layers[l]!.filter((x) => x.connected || l === L).map((x) => ({ index: x.index, connected: x.connected }))
      : Array.from({ length: widths[l]! }, (_, n) => ({ index: n, connected: true }));
    const r = radius[l]!;
    for (const { index: n, connected } of listed) {
      const [cx, cy] = at(l, n);
      const mod = moduleOf.get(`${l}:${n}`);
      const fill = !connected ? 'white' : mod !== undefined ? moduleColour(mod) : INK;
      neurons.push(el('circle', { cx, cy, r, fill, stroke: connected ? (mod !== undefined ? INK : 'none') : MUTED, 'stroke-width': 0.8 }));
      const where = geo.labelAt(l, n);
      if (!where) continue;
      const s = l === 0 ? inputLabel(net, labels, n) : outputLabel(net, labels, n);
      const ink = connected ? INK : MUTED;
      const [tx, ty] = where;
      const w = textWidth(s, FONT);
      texts.push(text(s, { x: tx, y: ty, 'text-anchor': 'middle', 'font-size': FONT, fill: ink }));
      box.add(tx - w / 2, ty - FONT, tx + w / 2, ty + 0.3 * FONT);
    }
  }

  const extra: string[] = [];
  if (opts.legend ?? true) {
    extra.push(weightKey(Float64Array.from(g.links.flatMap((l, k) => (l.weight ? [maxAbs[k]!] : []))), box));
    if (pruned && pruned.modules.length > 0) extra.push(legend(pruned, box));
  }
  if (opts.title !== undefined) {
    const cx = (PLANE_W + SHEAR) / 2;
    const ty = box.y0 - 10;
    extra.push(text(opts.title, { x: cx, y: ty, 'text-anchor': 'middle', 'font-size': 14, 'font-weight': 'bold', fill: INK }));
    box.add(cx - textWidth(opts.title, 14) / 2, ty - 16, cx + textWidth(opts.title, 14) / 2, ty);
  }
  const body = translate(
    PAD - box.x0,
    PAD - box.y0,
    el('g', { class: 'planes' }, ...planes),
    el('g', { class: 'edges', 'stroke-linecap': 'round' }, ...lines),
    el('g', { class: 'neurons' }, ...neurons),
    el('g', { class: 'labels' }, ...texts),
    ...extra,
  );
  return { width: box.x1 - box.x0 + 2 * PAD, height: box.y1 - box.y0 + 2 * PAD, body };
}
