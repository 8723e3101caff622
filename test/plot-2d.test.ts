// The drawings of 2-D networks (docs/design.md, "Geometry"): the stacked-planes network picture
// (src/plot/network-2d.ts) and the receptive fields (src/plot/fields.ts), on a small pruned
// [grid 8x8, grid 4x4, ring] network whose weights fall off with distance.
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { pruneNetwork } from '../src/bimt/prune.js';
import { BimtError } from '../src/errors.js';
import { distance, parseLayerShape } from '../src/model/geometry.js';
import { initNetwork } from '../src/model/init.js';
import { layerOf, type MlpArchitecture } from '../src/model/model-graph.js';
import { fieldsSvg, hasGridInput } from '../src/plot/fields.js';
import { networkSvg } from '../src/plot/network.js';
import { Rng } from '../src/util/random.js';
import { mlp } from './helpers.js';

const arch: MlpArchitecture = { ...mlp([64, 16, 10]), geometry: ['grid 8x8', 'grid 4x4', 'ring'].map((s) => parseLayerShape(s)!) };
const labels = { inputs: Array.from({ length: 64 }, (_, i) => `x${i}`), outputs: Array.from({ length: 10 }, (_, i) => `${i}`) };

function localNetwork() {
  const net = initNetwork(arch, 1);
  const rng = new Rng(3, 'plot-2d');
  for (const [l, a, b] of [[0, 'input', 'hidden1'], [1, 'hidden1', 'output']] as const) {
    const w = net.params.get(`linears.${l}.linear.weight`)!;
    const la = layerOf(net.graph, a);
    const lb = layerOf(net.graph, b);
    for (let i = 0; i < la.size; i++) for (let o = 0; o < lb.size; o++) w[i * lb.size + o] = rng.range(-1, 1) * Math.exp(-8 * distance(la.geometry, i, lb.geometry, o));
  }
  return net;
}
const count = (svg: string, tag: string) => svg.split(`<${tag} `).length - 1;

describe('2-D network pictures', () => {
  it('draws one plane per layer, every neuron and the ring labels; the pruned one only alive neurons', () => {
    const net = localNetwork();
    const svg = networkSvg(net, labels, { title: 't' });
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(count(svg, 'polygon')).toBe(3);
    expect(count(svg, 'circle')).toBe(64 + 16 + 10);
    for (const name of ['input · grid 8x8', 'hidden1 · grid 4x4', 'output · ring']) expect(svg).toContain(name);
    const p = pruneNetwork(net, 0.15, labels);
    const pruned = networkSvg(p.net, labels, { pruned: p.graph });
    const alive = p.graph.layers.slice(0, 2).flat().filter((n) => n.connected).length;
    expect(count(pruned, 'circle')).toBe(alive + 10);
    expect(alive).toBeLessThan((64 + 16) / 2);
    expect(count(pruned, 'line')).toBeLessThan(count(svg, 'line') / 4);
  });

  it('receptive fields: one image per alive first-hidden neuron, refused without a grid input', () => {
    const net = localNetwork();
    const p = pruneNetwork(net, 0.15, labels);
    const svg = fieldsSvg(p.net, { pruned: p.graph, title: 'fields' });
    expect(XMLValidator.validate(svg)).toBe(true);
    const alive = p.graph.layers[1]!.filter((n) => n.connected).length;
    expect(alive).toBeGreaterThan(0);
    expect(svg.split('<g class="field"').length - 1).toBe(alive);
    expect(hasGridInput(net)).toBe(true);
    expect(hasGridInput(initNetwork(mlp([4, 3, 2]), 0))).toBe(false);
    expect(() => fieldsSvg(initNetwork(mlp([4, 3, 2]), 0))).toThrow(BimtError);
  });
});
