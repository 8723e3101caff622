/**
 * The network picture of the BIMT paper (Figs 3-5): neuron layers from the input (bottom) to the
 * output (top) at their geometry's x positions, every weight a line whose width is |w| relative
 * to the largest |w| of its layer, blue positive and red negative. Input and output labels follow
 * the permutations, so a reader sees which original feature ended up where.
 *
 * A folded input layer (two token embeddings) shares x positions between its folds, so drawing
 * them at those positions would hide all but one. Each position's fold copies are drawn side by
 * side around the position instead (fold 1 left), each with its own label ("e3·1", "e3·2"): the
 * layer stays in geometric order, so a module that is local in the geometry looks local here too.
 *
 * A transformer is drawn as the paper's Figure 7: one row per stage of its model graph (input,
 * stream, attention, stream, MLP hidden, stream, ..., output), each row named at its right, and
 * the residual stream's identity connections as grey lines from one stream row to the next. An
 * attention row has one neuron per position: the line from a stream neuron to it is the largest
 * of its q, k and v weights.
 *
 * A network of 2-D layers (grids, rings: `model.geometry`) is drawn as the paper's Figure 8 by
 * network-2d.ts.
 *
 * `networkBody` returns the positioned group without the document so that the animation can
 * stack frames drawn by exactly this code.
 */
import { inputLabel, outputLabel, type GraphResidual, type Labels, type NetworkGraph } from '../bimt/graph.js';
import { layerOf, stageWidth } from '../model/model-graph.js';
import type { Network } from '../model/network.js';
import { shortNumber } from './axes.js';
import { INK, moduleColour, MUTED, NEGATIVE, POSITIVE } from './palette.js';
import { network2dBody } from './network-2d.js';
import { edgeStyle, SKIP_BELOW } from './edge-style.js';
import { Box, edgesOf, legend, weightKey, type NetworkBody, type NetworkPlotOptions } from './network-style.js';

export type { NetworkBody, NetworkPlotOptions } from './network-style.js';
import { el, fmt, svgDocument, type Attrs, text, textWidth, translate } from './svg.js';


const LABEL_FONT_MAX = 11;
const LABEL_FONT_MIN = 7;
const ANGLE = 60; // degrees labels turn when they do not fit side by side
const SIN = Math.sin((ANGLE * Math.PI) / 180);
const COS = Math.cos((ANGLE * Math.PI) / 180);
const PAD = 12;

/** Where everything goes; depends only on the architecture and the set of label strings. */
interface Layout {
  readonly plotW: number;
  readonly layerGap: number;
  /** x of neuron n of stage l, y of stage l. */
  readonly x: (l: number, n: number) => number;
  readonly y: (l: number) => number;
  readonly radius: readonly number[];
  /** How far left the residual connections leaving stage l bow, so they do not hide the row they skip. */
  readonly bow: readonly number[];
  readonly inLabels: LabelRow;
  readonly outLabels: LabelRow;
}

interface LabelRow {
  readonly font: number;
  readonly rotated: boolean;
  /** Widest label of the row at `font`, used for every label so the extents ignore permutation. */
  readonly maxWidth: number;
}

function labelRow(labels: readonly string[], spacing: number): LabelRow {
  const widest = (f: number) => Math.max(0, ...labels.map((s) => textWidth(s, f)));
  if (widest(LABEL_FONT_MAX) + 6 <= spacing) return { font: LABEL_FONT_MAX, rotated: false, maxWidth: widest(LABEL_FONT_MAX) };
  // Turned labels are SIN * spacing apart measured across their baselines; keep the glyphs
  // (about 0.9 font high) inside that.
  const font = Math.max(LABEL_FONT_MIN, Math.min(LABEL_FONT_MAX, SIN * spacing * 0.95));
  return { font, rotated: true, maxWidth: widest(font) };
}

function layout(net: Network, inNames: readonly string[], outNames: readonly string[]): Layout {
  const g = net.graph;
  const widths = g.stages.map((_, s) => stageWidth(g, s));
  const L = widths.length - 1;
  const geometry = g.stages.map((st) => layerOf(g, st.layer).geometry);
  for (const geo of geometry) {
    if (geo.dims !== 1) throw new Error('layout() draws 1-D layers; networkBody sends 2-D networks to network-2d.ts');
  }
  const maxRow = Math.max(...widths);
  const plotW = Math.min(1100, Math.max(360, maxRow * 14));
  // Many rows (a transformer) get closer together, so the picture stays about as tall as wide.
  const layerGap = L > 4 ? Math.max(70, Math.min(120, (1.4 * plotW) / L)) : Math.min(220, Math.max(120, plotW * 0.3));
  const spacing = widths.map((w) => plotW / w);
  return {
    plotW,
    layerGap,
    // Fold f of a position sits at offset (f + 0.5) / folds - 0.5 of the position's slot.
    x: (l, n) => {
      const { folds } = g.stages[l]!;
      const size = widths[l]! / folds;
      const p = n % size;
      return (geometry[l]!.coords[p]! + (folds > 1 ? ((Math.floor(n / size) + 0.5) / folds - 0.5) / size : 0)) * plotW;
    },
    y: (l) => (L - l) * layerGap,
    radius: spacing.map((s) => Math.min(4.5, Math.max(1.5, s * 0.28))),
    bow: spacing.map((s) => Math.min(8, s / 3)),
    inLabels: labelRow(inNames, spacing[0]),
    outLabels: labelRow(outNames, spacing[L]),
  };
}

/**
 * One label at neuron x, below (input) or above (output) a layer at y. Turned labels run down-left
 * from the neuron (inputs) or up-right (outputs). Adds its extent, using the row's widest label,
 * to `box`.
 */
function label(s: string, x: number, y: number, row: LabelRow, below: boolean, fill: string, box: Box): string {
  const f = row.font;
  if (!row.rotated) {
    const ty = below ? y + f : y;
    box.add(x - row.maxWidth / 2, ty - f, x + row.maxWidth / 2, ty + f * 0.3);
    return text(s, { x, y: ty, 'text-anchor': 'middle', 'font-size': f, fill });
  }
  // Shift the anchor across the baseline by a third of the font so the glyphs, not their
  // baseline, line up with the neuron.
  const ax = x + 0.3 * f * SIN;
  const ay = y + 0.3 * f * COS;
  const w = row.maxWidth;
  if (below) box.add(ax - COS * w - f, ay - f, ax + f, ay + SIN * w + f);
  else box.add(ax - f, ay - SIN * w - f, ax + COS * w + f, ay + f);
  return text(s, {
    transform: `translate(${fmt(ax)},${fmt(ay)}) rotate(${-ANGLE})`,
    'text-anchor': below ? 'end' : 'start',
    'font-size': f,
    fill,
  });
}


/** Residual connections to draw: every stream position, or the pruned graph's. */
function residualsOf(net: Network, pruned: NetworkGraph | undefined): GraphResidual[] {
  if (pruned) return pruned.residuals.slice();
  return net.graph.links.flatMap((l, k) => (l.weight ? [] : Array.from({ length: stageWidth(net.graph, l.from) }, (_, index) => ({ layer: k, index }))));
}

/** A row's name at its right, for pictures with residual connections: "stream", "attn 1", "MLP 1". */
export function stageName(net: Network, s: number): string {
  const layer = net.graph.stages[s]!.layer;
  const block = /^blocks\.(\d+)\.(attn|mlp)$/.exec(layer);
  if (block) return `${block[2] === 'attn' ? 'attention' : 'MLP hidden'} ${Number(block[1]) + 1}`;
  return layer;
}

/**
 * Where `networkBody` puts the neurons of a 1-D network, before its margins: x[s][n], y[s], the
 * radius of stage s and the bow of the residual connections leaving it.
 */
export interface NeuronPositions {
  readonly x: number[][];
  readonly y: number[];
  readonly radius: number[];
  readonly bow: number[];
  readonly width: number;
}

/**
 * The still picture's neuron positions, for drawings of their own (`bimt view`) that must match
 * it. 1-D layers only (see layout()); they depend on the architecture and label strings, not on
 * the permutations, so one set serves every checkpoint of a run.
 */
export function neuronPositions(net: Network, labels: Labels): NeuronPositions {
  const g = net.graph;
  const widths = g.stages.map((_, s) => stageWidth(g, s));
  const L = widths.length - 1;
  const lay = layout(
    net,
    Array.from({ length: widths[0] }, (_, n) => inputLabel(net, labels, n)),
    Array.from({ length: widths[L] }, (_, q) => outputLabel(net, labels, q)),
  );
  return {
    x: widths.map((w, s) => Array.from({ length: w }, (_, n) => lay.x(s, n))),
    y: widths.map((_, s) => lay.y(s)),
    radius: [...lay.radius],
    bow: [...lay.bow],
    width: lay.plotW,
  };
}

/** The picture without the <svg> wrapper; see the file comment. */
export function networkBody(net: Network, labels: Labels, opts: NetworkPlotOptions = {}): NetworkBody {
  const g = net.graph;
  if (g.layers.some((l) => l.geometry.dims === 2)) return network2dBody(net, labels, opts);
  const widths = g.stages.map((_, st) => stageWidth(g, st));
  const inFold = g.stages[0]!.folds;
  const L = widths.length - 1;
  const links = g.links;
  const inNames = Array.from({ length: widths[0] }, (_, n) => inputLabel(net, labels, n));
  const outNames = Array.from({ length: widths[L] }, (_, q) => outputLabel(net, labels, q));
  const lay = layout(net, inNames, outNames);
  const box = new Box();
  box.add(0, 0, lay.plotW, lay.y(0));
  const pruned = opts.pruned;

  // Module of each alive neuron, keyed "layer:index" (pruned pictures only).
  const moduleOf = new Map<string, number>();
  pruned?.modules.forEach((m, k) => m.neurons.forEach(([l, n]) => moduleOf.set(`${l}:${n}`, k)));

  const edges = edgesOf(net, pruned);
  const maxAbs = new Float64Array(links.length);
  for (const e of edges) maxAbs[e.layer] = Math.max(maxAbs[e.layer], Math.abs(e.weight));
  const skip = opts.skipBelow ?? SKIP_BELOW;
  const shown = edges.filter((e) => maxAbs[e.layer] > 0 && Math.abs(e.weight) >= skip * maxAbs[e.layer]);
  // Thin lines first so strong weights are drawn on top of weak ones.
  shown.sort((a, b) => Math.abs(a.weight) / maxAbs[a.layer] - Math.abs(b.weight) / maxAbs[b.layer]);

  const neurons: string[] = [];
  const texts: string[] = [];
  // Modules show in the neurons' fill only: a band in the module's colour along each edge would
  // be as wide under a near-zero weight as under the strongest, and so hide which weights matter.
  const lines: string[] = [];
  for (const e of shown) {
    const rel = Math.abs(e.weight) / maxAbs[e.layer];
    const { from, to } = links[e.layer]!;
    lines.push(el('line', { x1: lay.x(from, e.from), y1: lay.y(from), x2: lay.x(to, e.to), y2: lay.y(to), ...edgeStyle(e.weight, rel) }));
  }
  // Residual connections: grey, bowed a little to the left so they do not hide the row they skip.
  const residuals = residualsOf(net, pruned);
  const skips = residuals.map((r) => {
    const { from, to } = links[r.layer]!;
    const [x1, y1, x2, y2] = [lay.x(from, r.index), lay.y(from), lay.x(to, r.index), lay.y(to)];
    const bow = lay.bow[from]!;
    return el('path', { d: `M${fmt(x1)},${fmt(y1)} Q${fmt(x1 - bow)},${fmt((y1 + y2) / 2)} ${fmt(x2)},${fmt(y2)}`, fill: 'none', stroke: MUTED, 'stroke-width': 0.8, 'stroke-opacity': 0.6 });
  });
  if (residuals.length > 0 || links.some((l) => !l.weight)) {
    for (let l = 0; l <= L; l++) {
      const name = stageName(net, l);
      const x = lay.plotW + 14;
      texts.push(text(name, { x, y: lay.y(l) + 4, 'font-size': 11, fill: MUTED, class: 'stage-name' }));
      box.add(x, lay.y(l) - 8, x + textWidth(name, 11), lay.y(l) + 6);
    }
  }

  for (let l = 0; l <= L; l++) {
    const listed = pruned
      ? pruned.layers[l].map((g) => ({ index: g.index, connected: g.connected }))
      : Array.from({ length: widths[l] }, (_, n) => ({ index: n, connected: true }));
    const r = lay.radius[l];
    for (const { index: n, connected } of listed) {
      const cx = lay.x(l, n);
      const cy = lay.y(l);
      const mod = moduleOf.get(`${l}:${n}`);
      const fill = !connected ? 'white' : mod !== undefined ? moduleColour(mod) : INK;
      neurons.push(el('circle', { cx, cy, r, fill, stroke: connected ? (mod !== undefined ? INK : 'none') : MUTED, 'stroke-width': 0.8 }));
      const ink = connected ? INK : MUTED;
      if (l === 0) texts.push(label(inNames[n], cx, cy + r + 5, lay.inLabels, true, ink, box));
      else if (l === L) texts.push(label(outNames[n], cx, cy - r - 5, lay.outLabels, false, ink, box));
    }
  }

  const extra: string[] = [];
  if (inFold > 1) {
    // Say what the suffix means once, under the input labels.
    const note = `${inFold === 2 ? '·1, ·2' : `·1 … ·${inFold}`}: fold (token) of each input position, copies drawn side by side`;
    const yCap = box.y1 + 14;
    extra.push(text(note, { x: lay.plotW / 2, y: yCap, 'text-anchor': 'middle', 'font-size': 11, fill: MUTED, class: 'fold-note' }));
    box.add(lay.plotW / 2 - textWidth(note, 11) / 2, yCap - 12, lay.plotW / 2 + textWidth(note, 11) / 2, yCap + 4);
  }
  if (opts.legend ?? true) {
    extra.push(weightKey(Float64Array.from(links.flatMap((l, k) => (l.weight ? [maxAbs[k]!] : []))), box));
    if (pruned && pruned.modules.length > 0) extra.push(legend(pruned, box));
  }
  if (opts.title !== undefined) {
    const ty = box.y0 - 10;
    extra.push(text(opts.title, { x: lay.plotW / 2, y: ty, 'text-anchor': 'middle', 'font-size': 14, 'font-weight': 'bold', fill: INK }));
    box.add(lay.plotW / 2 - textWidth(opts.title, 14) / 2, ty - 16, lay.plotW / 2 + textWidth(opts.title, 14) / 2, ty);
  }

  const body = translate(
    PAD - box.x0,
    PAD - box.y0,
    ...(skips.length > 0 ? [el('g', { class: 'residuals' }, ...skips)] : []),
    el('g', { class: 'edges', 'stroke-linecap': 'round' }, ...lines),
    el('g', { class: 'neurons' }, ...neurons),
    el('g', { class: 'labels' }, ...texts),
    ...extra,
  );
  return { width: box.x1 - box.x0 + 2 * PAD, height: box.y1 - box.y0 + 2 * PAD, body };
}

/**
 * A standalone SVG of the network (all weights), or with `pruned` of that graph only.
 * Shapes: weights[l] is [N_l, N_{l+1}] as in Network; labels name the ORIGINAL inputs/outputs.
 */
export function networkSvg(net: Network, labels: Labels, opts: NetworkPlotOptions = {}): string {
  const { width, height, body } = networkBody(net, labels, opts);
  return svgDocument(width, height, [body], opts.title);
}
