// Each claim function of `bimt reproduce` on hand-made graphs and embeddings: one that passes,
// one that fails.
import { describe, expect, it } from 'vitest';
import type { GraphEdge, NetworkGraph } from '../src/bimt/graph.js';
import { pruneNetwork } from '../src/bimt/prune.js';
import type { LayerShape } from '../src/model/geometry.js';
import {
  atLeast,
  atMost,
  circleFit,
  circlesClaim,
  edgeLocality,
  firstLayerSeparates,
  hiddenAliveFraction,
  localityClaim,
  modulesAre,
  reachesExactly,
} from '../src/reproduce/claims.js';
import { embeddingCircles } from '../src/reproduce/figures.js';
import { diagonalClaim, eachLowersClaim, keepsAccuracyClaim } from '../src/reproduce/knock-outs.js';
import type { AblationRow } from '../src/train/ablation.js';
import { Rng } from '../src/util/random.js';
import { mlp, mlpNetwork } from './helpers.js';

/** A [n0, n1, n2] network whose only non-zero weights are `edges` (weight 1), pruned to a graph. */
function graphOf(widths: number[], edges: Omit<GraphEdge, 'weight'>[], inputs: string[], outputs: string[], geometry?: LayerShape[]): NetworkGraph {
  const weights = widths.slice(0, -1).map((n, l) => new Float32Array(n * widths[l + 1]));
  for (const e of edges) weights[e.layer][e.from * widths[e.layer + 1] + e.to] = 1;
  const net = mlpNetwork(
    { ...mlp(widths), ...(geometry ? { geometry } : {}) },
    { weights, biases: widths.slice(1).map((n) => new Float32Array(n)) },
    Int32Array.from(inputs, (_, i) => i),
    Int32Array.from(outputs, (_, i) => i),
  );
  return pruneNetwork(net, 0.01, { inputs, outputs }).graph;
}

const IN4 = ['x1', 'x2', 'x3', 'x4'];

describe('number claims', () => {
  it('compare against their limit', () => {
    expect(atMost('mse', 1e-3, 5e-3, '').pass).toBe(true);
    expect(atMost('mse', 6e-3, 5e-3, '').pass).toBe(false);
    expect(atMost('mse', NaN, 5e-3, '').pass).toBe(false);
    expect(atLeast('acc', 0.99, 0.98, '').pass).toBe(true);
    expect(atLeast('acc', 0.97, 0.98, '').pass).toBe(false);
  });
});

describe('graph claims', () => {
  // x1, x3 -> h0 -> A ; x2, x4 -> h1 -> B : two modules.
  const split = graphOf([4, 2, 2], [
    { layer: 0, from: 0, to: 0 }, { layer: 0, from: 2, to: 0 }, { layer: 1, from: 0, to: 0 },
    { layer: 0, from: 1, to: 1 }, { layer: 0, from: 3, to: 1 }, { layer: 1, from: 1, to: 1 },
  ], IN4, ['A', 'B']);
  // The same plus x4 -> h0: one module.
  const joined = graphOf([4, 2, 2], [
    { layer: 0, from: 0, to: 0 }, { layer: 0, from: 2, to: 0 }, { layer: 1, from: 0, to: 0 },
    { layer: 0, from: 1, to: 1 }, { layer: 0, from: 3, to: 1 }, { layer: 1, from: 1, to: 1 },
    { layer: 0, from: 3, to: 0 },
  ], IN4, ['A', 'B']);

  it('modulesAre finds the two modules, and not when they are joined', () => {
    const groups = [['x1', 'x3', 'A'], ['x2', 'x4', 'B']];
    expect(modulesAre('m', split, groups).pass).toBe(true);
    expect(modulesAre('m', joined, groups).pass).toBe(false);
  });

  it('firstLayerSeparates passes on separate branches and fails on a mixing neuron', () => {
    expect(firstLayerSeparates('t', split, ['x1', 'x3'], ['x2', 'x4']).pass).toBe(true);
    const r = firstLayerSeparates('t', joined, ['x1', 'x3'], ['x2', 'x4']);
    expect(r.pass).toBe(false);
    expect(r.measured).toBe('1 of 2 alive');
  });

  it('reachesExactly checks feature sharing', () => {
    // x1 -> h0 -> all three; x2 -> h1 -> last two; x3 -> h2 -> last one.
    const outs = ['a', 'b', 'c'];
    const edges = [
      { layer: 0, from: 0, to: 0 }, { layer: 1, from: 0, to: 0 }, { layer: 1, from: 0, to: 1 }, { layer: 1, from: 0, to: 2 },
      { layer: 0, from: 1, to: 1 }, { layer: 1, from: 1, to: 1 }, { layer: 1, from: 1, to: 2 },
      { layer: 0, from: 2, to: 2 }, { layer: 1, from: 2, to: 2 },
    ];
    const want = { x1: outs, x2: ['b', 'c'], x3: ['c'] };
    expect(reachesExactly('r', graphOf([3, 3, 3], edges, ['x1', 'x2', 'x3'], outs), want).pass).toBe(true);
    const leaky = [...edges, { layer: 0, from: 2, to: 0 }]; // x3 now reaches a and b too
    expect(reachesExactly('r', graphOf([3, 3, 3], leaky, ['x1', 'x2', 'x3'], outs), want).pass).toBe(false);
  });

  it('hiddenAliveFraction counts alive hidden neurons', () => {
    expect(hiddenAliveFraction(split)).toBe(1);
    expect(hiddenAliveFraction(graphOf([2, 8, 2], [{ layer: 0, from: 0, to: 3 }, { layer: 1, from: 3, to: 1 }], ['a', 'b'], ['A', 'B']))).toBe(1 / 8);
  });
});

describe('embedding circles', () => {
  const p = 59;
  /** Points of residues a at angle 2 pi k a / p (radius 1, rotated by `phase`), with noise. */
  function circle(k: number, phase: number, noise: number, rng: Rng): Float64Array {
    const out = new Float64Array(2 * p);
    for (let a = 0; a < p; a++) {
      const t = (2 * Math.PI * k * a) / p + phase;
      out[2 * a] = Math.cos(t) + noise * rng.normal();
      out[2 * a + 1] = Math.sin(t) + noise * rng.normal();
    }
    return out;
  }

  it('circleFit finds the frequency of a noisy circle, also reflected', () => {
    const rng = new Rng(1, 'circle');
    const fit = circleFit(circle(17, 0.4, 0.05, rng), p);
    expect(fit.k).toBe(17);
    expect(fit.correlation).toBeGreaterThan(0.95);
    expect(circleFit(circle(-17, 0, 0.05, rng), p).k).toBe(p - 17);
  });

  it('circleFit gives a low correlation for points in no order', () => {
    const rng = new Rng(2, 'scatter');
    const scatter = Float64Array.from({ length: 2 * p }, () => rng.normal());
    expect(circleFit(scatter, p).correlation).toBeLessThan(0.5);
  });

  it('embeddingCircles reads the module dims of a folded embedding network, and the claim counts good ones', () => {
    const rng = new Rng(3, 'emb');
    // Embedding 59 x 4: dims 0,1 a circle of frequency 5, dims 2,3 of frequency 11.
    const dim = 4;
    const E = new Float32Array(p * dim);
    const c1 = circle(5, 0, 0.02, rng);
    const c2 = circle(11, 1, 0.02, rng);
    for (let a = 0; a < p; a++) E.set([c1[2 * a], c1[2 * a + 1], c2[2 * a], c2[2 * a + 1]], a * dim);
    // [8 (2 folds x 4), 2, 2]: dims {0,1} (both folds) -> h0 -> out0, dims {2,3} -> h1 -> out1.
    const widths = [8, 2, 2];
    const W0 = new Float32Array(8 * 2);
    for (const f of [0, 4]) {
      W0[(f + 0) * 2 + 0] = W0[(f + 1) * 2 + 0] = 1;
      W0[(f + 2) * 2 + 1] = W0[(f + 3) * 2 + 1] = 1;
    }
    const net = mlpNetwork(
      mlp(widths, 2, { vocab: p, dim }),
      { weights: [W0, Float32Array.of(1, 0, 0, 1)], biases: [new Float32Array(2), new Float32Array(2)], embedding: E },
      Int32Array.of(0, 1, 2, 3),
      Int32Array.of(0, 1),
    );
    const { graph } = pruneNetwork(net, 0.01, { inputs: ['e0', 'e1', 'e2', 'e3'], outputs: ['0', '1'] });
    const circles = embeddingCircles(net, graph);
    expect(circles.map((c) => c.dims).sort()).toEqual([[0, 1], [2, 3]]);
    expect(circles.map((c) => c.fit.k).sort((a, b) => a - b)).toEqual([5, 11]);
    expect(circlesClaim('c', circles, 2, 0.9).pass).toBe(true);
    expect(circlesClaim('c', circles.slice(0, 1), 2, 0.9).pass).toBe(false);
  });
});

describe('edge locality', () => {
  /** The mean length of every (edge source, edge target) pairing, counted one pair at a time. */
  function bruteShuffled(g: NetworkGraph, layer: number): number {
    const edges = g.edges.filter((e) => e.layer === layer);
    const at = (stage: number, i: number) => g.layers[stage].find((n) => n.index === i)!.coords;
    let sum = 0;
    for (const a of edges) for (const b of edges) sum += at(layer, a.from).reduce((s, x, k) => s + Math.abs(x - at(layer + 1, b.to)[k]), 0);
    return sum / (edges.length * edges.length);
  }
  const out = (n: number) => Array.from({ length: n }, (_, i) => ({ layer: 1, from: i, to: 0 }));

  it('is 0 for edges between neighbours on lines, above 1 for crossed ones, against the pairing counted by brute force', () => {
    // Inputs and hidden neurons at (i + 0.5) / 4: x_i -> h_i has length 0, x_i -> h_(3-i) |3 - 2i| / 4.
    const straight = graphOf([4, 4, 1], [...[0, 1, 2, 3].map((i) => ({ layer: 0, from: i, to: i })), ...out(4)], IN4, ['y']);
    const crossed = graphOf([4, 4, 1], [...[0, 1, 2, 3].map((i) => ({ layer: 0, from: i, to: 3 - i })), ...out(4)], IN4, ['y']);
    const s = edgeLocality(straight, 0);
    const c = edgeLocality(crossed, 0);
    expect(s).toEqual({ edges: 4, mean: 0, shuffled: expect.closeTo(20 / 64, 12) });
    expect(c.mean).toBeCloseTo(0.5, 12);
    expect(c.shuffled).toBeCloseTo(bruteShuffled(crossed, 0), 12);
    expect(localityClaim('local', s, 0.8, '').pass).toBe(true);
    expect(localityClaim('local', c, 0.8, '').pass).toBe(false);
  });

  it('weights each neuron by its edges and measures L1 on 2-D grids', () => {
    // A 3x3 grid of inputs into a 2x2 grid: three edges from the corner pixel, one from the centre.
    const edges = [
      { layer: 0, from: 0, to: 0 }, { layer: 0, from: 0, to: 1 }, { layer: 0, from: 0, to: 3 }, { layer: 0, from: 4, to: 3 },
      ...out(4),
    ];
    const labels = Array.from({ length: 9 }, (_, i) => `p${i}`);
    const g = graphOf([9, 4, 1], edges, labels, ['y'], [{ kind: 'grid', width: 3, height: 3 }, { kind: 'grid', width: 2, height: 2 }, { kind: 'ring' }]);
    const loc = edgeLocality(g, 0);
    // Pixel 0 at (1/6, 1/6), pixel 4 at (1/2, 1/2); neurons at (1/4 or 3/4, 1/4 or 3/4).
    const l1 = (a: number[], b: number[]) => Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]);
    const want = (l1([1 / 6, 1 / 6], [1 / 4, 1 / 4]) + l1([1 / 6, 1 / 6], [3 / 4, 1 / 4]) + l1([1 / 6, 1 / 6], [3 / 4, 3 / 4]) + l1([1 / 2, 1 / 2], [3 / 4, 3 / 4])) / 4;
    expect(loc.edges).toBe(4);
    expect(loc.mean).toBeCloseTo(want, 12);
    expect(loc.shuffled).toBeCloseTo(bruteShuffled(g, 0), 12);
  });

  it('fails the claim when no edge survives', () => {
    const none = edgeLocality(graphOf([4, 4, 1], [], IN4, ['y']), 0);
    expect(none.edges).toBe(0);
    expect(localityClaim('local', none, 0.8, '').pass).toBe(false);
  });
});

describe('knock-out claims', () => {
  const row = (target: string, outputs: string[], perOutput: number[], acc: number | null = null): AblationRow => ({
    target,
    inputs: [],
    outputs,
    fixed: target === 'none' ? 0 : 1,
    metrics: { loss: perOutput.reduce((a, b) => a + b, 0) / Math.max(1, perOutput.length), acc, perOutput },
  });
  const labels = ['f', 'g'];

  it('diagonalClaim passes when each module raises only its own output, and fails on a shared effect', () => {
    const none = row('none', [], [0.01, 0.02]);
    const diagonal = [none, row('module 1', ['f'], [1, 0.021]), row('module 2', ['g'], [0.011, 3])];
    const d = diagonalClaim('diagonal', diagonal, labels, 10, 1.5);
    expect(d.pass).toBe(true);
    expect(d.measured).toBe('module 1: own x100, other x1.05; module 2: own x150, other x1.10');
    // Module 2 also raises f's loss 5-fold: not diagonal.
    expect(diagonalClaim('diagonal', [none, diagonal[1]!, row('module 2', ['g'], [0.05, 3])], labels, 10, 1.5).pass).toBe(false);
    // A knock-out that barely moves its own output.
    expect(diagonalClaim('diagonal', [none, row('module 1', ['f'], [0.05, 0.02]), diagonal[2]!], labels, 10, 1.5).pass).toBe(false);
    // One module is no diagonal.
    expect(diagonalClaim('diagonal', [none, diagonal[1]!], labels, 10, 1.5).pass).toBe(false);
  });

  it('keepsAccuracyClaim and eachLowersClaim compare accuracies with the untouched network', () => {
    const none = row('none', [], [], 1);
    expect(keepsAccuracyClaim('kept', [none, row('keep-only module 1', [], [], 0.996)], 0.005, '').pass).toBe(true);
    expect(keepsAccuracyClaim('kept', [none, row('keep-only module 1', [], [], 0.99)], 0.005, '').pass).toBe(false);
    expect(eachLowersClaim('lowers', [none, row('a', [], [], 0.2), row('b', [], [], 0.4)], 0.5).pass).toBe(true);
    expect(eachLowersClaim('lowers', [none, row('a', [], [], 0.2), row('b', [], [], 0.9)], 0.5).pass).toBe(false);
    expect(eachLowersClaim('lowers', [none], 0.5).pass).toBe(false);
  });
});
