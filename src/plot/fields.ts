/**
 * Receptive fields (`bimt plot --kind fields`), the paper's Figure 8 reading of MNIST: for each
 * alive neuron of the first hidden layer, a small image of its incoming weights on the input grid,
 * white at 0, blue positive and red negative (the network drawing's colours), one colour scale for
 * every image so that weak fields look weak, in the 21 steps of its key (weights within 1/20 of the
 * largest |w| of 0 are white). The images sit where their neurons sit in the hidden
 * layer's own grid (row-major, row 0 on top, as the input image), so modules that are local in the
 * geometry are local here too; a ring or line hidden layer lays them out in position order.
 *
 * Weights are shown at the input positions (the grid of `model.geometry`); with `swap.inputs`
 * false, as MNIST trains, position p is pixel p. An input fold draws fold 1.
 */
import { BimtError } from '../errors.js';
import type { NetworkGraph } from '../bimt/graph.js';
import { inputLayer, layerOf, weightSpecs, type NeuronLayer } from '../model/model-graph.js';
import type { Network } from '../model/network.js';
import { shortNumber } from './axes.js';
import { INK, MUTED, NEGATIVE, POSITIVE } from './palette.js';
import { el, fmt, svgDocument, text, textWidth } from './svg.js';

export interface FieldsPlotOptions {
  /** Draw only the neurons alive in this (pruned) graph. */
  readonly pruned?: NetworkGraph;
  readonly title?: string;
}

const CELL_PX = 64;
const GAP = 10;
const PAD = 14;

/** Whether the network's input layer is a grid (the fields picture needs one). */
export function hasGridInput(net: Network): boolean {
  return fieldLayers(net) !== undefined;
}

/**
 * The grid input and the hidden layer its first weight feeds, with that weight's name; undefined
 * unless the input is a grid feeding a hidden layer.
 */
function fieldLayers(net: Network): { input: NeuronLayer; hidden: NeuronLayer; weight: string } | undefined {
  const g = net.graph;
  const input = inputLayer(g);
  const first = weightSpecs(g).find((w) => w.from === input.name);
  const hidden = first && layerOf(g, first.to);
  return input.shape.kind === 'grid' && hidden?.role === 'hidden' ? { input, hidden, weight: first!.name } : undefined;
}

/** A standalone SVG of the first hidden layer's receptive fields; see the file comment. */
export function fieldsSvg(net: Network, opts: FieldsPlotOptions = {}): string {
  const layers = fieldLayers(net);
  if (!layers || layers.input.shape.kind !== 'grid') {
    throw new BimtError('receptive fields need an MLP with a hidden layer whose input layer is a grid (model.geometry: [grid WxH, ...])');
  }
  const { hidden, weight } = layers;
  const { width: gw, height: gh } = layers.input.shape;
  const hShape = hidden.shape;
  const w0 = net.params.get(weight)!;
  const nH = hidden.size;
  const alive = opts.pruned ? opts.pruned.layers[1]!.filter((x) => x.connected).map((x) => x.index) : Array.from({ length: nH }, (_, j) => j);
  let maxAbs = 0;
  for (const j of alive) for (let p = 0; p < gw * gh; p++) maxAbs = Math.max(maxAbs, Math.abs(w0[p * nH + j]!));

  // Slot of each hidden neuron: its grid cell, or position order in rows of ceil(sqrt(n)).
  const cols = hShape.kind === 'grid' ? hShape.width : Math.ceil(Math.sqrt(nH));
  const rows = hShape.kind === 'grid' ? hShape.height : Math.ceil(nH / cols);
  const scale = CELL_PX / Math.max(gw, gh);
  const imgW = gw * scale;
  const imgH = gh * scale;
  const top = opts.title !== undefined ? 30 : 0;
  const slotX = (j: number) => PAD + (j % cols) * (imgW + GAP);
  const slotY = (j: number) => PAD + top + Math.floor(j / cols) * (imgH + GAP + 12);

  const parts: string[] = [];
  // Empty slots (dead neurons) as faint outlines, so the hidden layer's grid stays readable.
  const shown = new Set(alive);
  for (let j = 0; j < nH; j++) {
    if (shown.has(j)) continue;
    parts.push(el('rect', { x: slotX(j), y: slotY(j), width: imgW, height: imgH, fill: 'none', stroke: '#e6e6e6', 'stroke-width': 0.6 }));
  }
  // Each weight takes the nearest of the key's STEPS colours, and each colour of an image is one
  // path of rectangles (a row's run of one colour one rectangle): an MNIST layer's 78,400 cells
  // as some two thousand elements, which a browser draws at once (the bimt view page draws this
  // picture at every checkpoint) where a rectangle each took seconds.
  const level = (w: number) => (maxAbs === 0 ? MID : Math.round(((w / maxAbs + 1) / 2) * (STEPS - 1)));
  const size = fmt(scale + 0.05);
  for (const j of alive) {
    const x0 = slotX(j);
    const y0 = slotY(j);
    const runs = new Map<number, string[]>();
    for (let r = 0; r < gh; r++) {
      for (let c = 0; c < gw; ) {
        const k = level(w0[(r * gw + c) * nH + j]!);
        let end = c + 1;
        while (end < gw && level(w0[(r * gw + end) * nH + j]!) === k) end++;
        if (k !== MID) {
          if (!runs.has(k)) runs.set(k, []);
          runs.get(k)!.push(`M${fmt(x0 + c * scale)} ${fmt(y0 + r * scale)}h${fmt((end - c) * scale + 0.05)}v${size}h-${fmt((end - c) * scale + 0.05)}z`);
        }
        c = end;
      }
    }
    const cells = [...runs].sort(([a], [b]) => a - b).map(([k, d]) => el('path', { d: d.join(''), fill: diverging(tOf(k)) }));
    parts.push(el('rect', { x: x0, y: y0, width: imgW, height: imgH, fill: 'white', stroke: MUTED, 'stroke-width': 0.6 }));
    parts.push(el('g', { class: 'field' }, ...cells));
    parts.push(text(`h${j}`, { x: x0 + imgW / 2, y: y0 + imgH + 10, 'text-anchor': 'middle', 'font-size': 9, fill: MUTED }));
  }
  const width = 2 * PAD + cols * imgW + (cols - 1) * GAP;
  let y = PAD + top + rows * (imgH + GAP + 12) + 6;
  // The colour key: -max ... 0 ... +max, every colour the images use.
  const keyW = Math.max(120, Math.min(240, width - 2 * PAD));
  for (let k = 0; k < STEPS; k++) {
    parts.push(el('rect', { x: PAD + (k * keyW) / STEPS, y, width: fmt(keyW / STEPS + 0.3), height: 10, fill: diverging(tOf(k)) }));
  }
  parts.push(text(`−${shortNumber(maxAbs)}`, { x: PAD, y: y + 23, 'font-size': 11, fill: INK }));
  parts.push(text(`+${shortNumber(maxAbs)}`, { x: PAD + keyW, y: y + 23, 'text-anchor': 'end', 'font-size': 11, fill: INK }));
  const note = `incoming weights of each ${opts.pruned ? 'alive ' : ''}${hidden.name} neuron on the ${gw}x${gh} input grid`;
  parts.push(text(note, { x: PAD, y: y + 40, 'font-size': 11, fill: MUTED }));
  y += 46;
  if (opts.title !== undefined) parts.unshift(text(opts.title, { x: width / 2, y: PAD + 14, 'text-anchor': 'middle', 'font-size': 14, 'font-weight': 'bold', fill: INK }));
  const w = Math.max(width, 2 * PAD + textWidth(note, 11), opts.title !== undefined ? textWidth(opts.title, 14) + 2 * PAD : 0);
  return svgDocument(w, y + PAD, parts, opts.title);
}

/** Colours of the key and the images; the middle one, white, is 0 and left undrawn. */
const STEPS = 21;
const MID = (STEPS - 1) / 2;

/** The weight (over the largest |w|) that colour k of the key stands for. */
function tOf(k: number): number {
  return (2 * k) / (STEPS - 1) - 1;
}

/** White at 0, POSITIVE at +1, NEGATIVE at -1 (t clamped to [-1, 1]). */
function diverging(t: number): string {
  const c = Math.min(1, Math.abs(t));
  const hex = t >= 0 ? POSITIVE : NEGATIVE;
  const mix = (k: number) => Math.round(255 + (parseInt(hex.slice(1 + 2 * k, 3 + 2 * k), 16) - 255) * c);
  return `#${[0, 1, 2].map((k) => mix(k).toString(16).padStart(2, '0')).join('')}`;
}
