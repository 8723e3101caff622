// `bimt ablate`'s parts on hand-built networks whose answers are known exactly: targets resolved
// to [stage, neuron] units (docs/design.md, "Ablation targets"), keep-only's complement, and the host
// metrics of a split's outputs.
import { describe, expect, it } from 'vitest';
import { ablationFixes, eachTarget, keepOnlyUnits, resolveTarget, type AblationTarget } from '../src/bimt/ablation-targets.js';
import { communityMembers, networkGraph, type Labels } from '../src/bimt/graph.js';
import type { TransformerArchitecture } from '../src/model/model-graph.js';
import { ablationRows, stageMeans } from '../src/train/ablation.js';
import { splitMetrics } from '../src/train/ablation-metrics.js';
import { mlp, mlpNetwork, randomNetwork } from './helpers.js';

const f32 = (...v: number[]) => Float32Array.from(v);

/** Two independent paths x1 -> h0 -> y1 and x2 -> h1 -> y2: modules 1 and 2, in that order by first neuron. */
function twoPaths() {
  const net = mlpNetwork(mlp([2, 2, 2]), { weights: [f32(1, 0, 0, 2), f32(3, 0, 0, 4)], biases: [f32(0, 0), f32(0, 0)] });
  const labels: Labels = { inputs: ['x1', 'x2'], outputs: ['y1', 'y2'] };
  return { net, labels, graph: networkGraph(net, labels, 0.5) };
}

describe('ablation targets', () => {
  const { net, labels, graph } = twoPaths();
  const resolve = (t: AblationTarget) => resolveTarget(net, labels, graph, t);

  it('resolve a hidden neuron by layer name or stage index, with the inputs and outputs of its module', () => {
    for (const layer of ['hidden1', '1']) {
      const t = resolve({ kind: 'neuron', layer, unit: '1' });
      expect(t.units).toEqual([[1, 1]]);
      expect([t.inputs, t.outputs]).toEqual([['x2'], ['y2']]);
    }
    expect(resolve({ kind: 'neuron', layer: 'hidden1', unit: '0' }).name).toBe('neuron hidden1:0');
  });

  it('resolve inputs and outputs by their labels', () => {
    expect(resolve({ kind: 'neuron', layer: 'input', unit: 'x2' }).units).toEqual([[0, 1]]);
    expect(resolve({ kind: 'neuron', layer: 'output', unit: 'y1' }).units).toEqual([[2, 0]]);
  });

  it('labels follow the permutations: position 0 reads x2 when inPerm swaps the inputs', () => {
    const swapped = mlpNetwork(mlp([2, 2, 2]), { weights: [f32(1, 0, 0, 2), f32(3, 0, 0, 4)], biases: [f32(0, 0), f32(0, 0)] }, Int32Array.of(1, 0));
    const g = networkGraph(swapped, labels, 0.5);
    expect(resolveTarget(swapped, labels, g, { kind: 'neuron', layer: 'input', unit: 'x2' }).units).toEqual([[0, 0]]);
  });

  it('resolve a module to its hidden neurons, and --each to every alive hidden neuron and module', () => {
    const m1 = resolve({ kind: 'module', k: 1 });
    const m2 = resolve({ kind: 'module', k: 2 });
    expect([m1.units, m2.units].sort()).toEqual([[[1, 0]], [[1, 1]]]);
    expect(m1.inputs.length + m2.inputs.length).toBe(2);
    expect(eachTarget(net, graph, 'neuron')).toEqual([
      { kind: 'neuron', layer: 'hidden1', unit: '0' },
      { kind: 'neuron', layer: 'hidden1', unit: '1' },
    ]);
    expect(eachTarget(net, graph, 'module')).toHaveLength(2);
  });

  it('resolve communities: two disjoint paths are two communities, numbered by first neuron', () => {
    expect(communityMembers(net, graph)).toEqual([
      [[0, 0], [1, 0], [2, 0]],
      [[0, 1], [1, 1], [2, 1]],
    ]);
    expect(resolve({ kind: 'community', k: 2 })).toMatchObject({ units: [[1, 1]], inputs: ['x2'], outputs: ['y2'] });
  });

  it('refuse what the network lacks, each in one line naming the flag', () => {
    const cases: [AblationTarget, RegExp][] = [
      [{ kind: 'neuron', layer: 'hidden7', unit: '0' }, /^--neuron hidden7:0: no layer hidden7 \(layers: input, hidden1, output; or a stage 0\.\.2\)$/],
      [{ kind: 'neuron', layer: '3', unit: '0' }, /^--neuron 3:0: the network has stages 0\.\.2$/],
      [{ kind: 'neuron', layer: 'hidden1', unit: '2' }, /^--neuron hidden1:2: index out of range \(hidden1 has neurons 0\.\.1\)$/],
      [{ kind: 'neuron', layer: 'input', unit: 'x9' }, /^--neuron input:x9: no neuron of input is labelled x9$/],
      [{ kind: 'neuron', layer: 'hidden1', unit: 'h' }, /only inputs and outputs have labels/],
      [{ kind: 'module', k: 3 }, /^--module 3: the pruned graph \(threshold 0\.5\) has 2 modules \(1\.\.2\)$/],
      [{ kind: 'community', k: 0 }, /^--community 0: .* has 2 communities/],
      [{ kind: 'head', block: 0, h: 0 }, /^--head 0:0: this network has no attention layer/],
      [{ kind: 'embedding-dim', d: 0 }, /^--embedding-dim 0: this network reads features, not tokens/],
    ];
    for (const [t, message] of cases) expect(() => resolve(t)).toThrow(message);
  });

  it('resolve an embedding dimension to the positions that read it, every fold', () => {
    // Two tokens (in_fold 2) of a 3-dimensional embedding; position 2 reads dimension 0.
    const tokens = randomNetwork(mlp([6, 4, 2], 2, { vocab: 5, dim: 3 }), 1, false);
    const perm = Int32Array.of(1, 2, 0);
    const permuted = { ...tokens, inPerm: perm };
    const lab: Labels = { inputs: ['e0', 'e1', 'e2'], outputs: ['a', 'b'] };
    const g = networkGraph(permuted, lab, 0);
    expect(resolveTarget(permuted, lab, g, { kind: 'embedding-dim', d: 0 }).units).toEqual([[0, 2], [0, 5]]);
    expect(() => resolveTarget(permuted, lab, g, { kind: 'embedding-dim', d: 3 })).toThrow(/^--embedding-dim 3: the embedding has dimensions 0\.\.2$/);
    // A fold copy's label names its token: e0·2 is position 2 of fold 2.
    expect(resolveTarget(permuted, lab, g, { kind: 'neuron', layer: 'input', unit: 'e0·2' }).units).toEqual([[0, 5]]);
  });
});

describe('transformer targets', () => {
  const arch: TransformerArchitecture = { kind: 'transformer', inDim: 2, outDim: 2, embed: 4, blocks: 2, heads: 2, mlpHidden: 3, seqLen: 3, layerNorm: false };
  const net = randomNetwork(arch, 3, false);
  const labels: Labels = { inputs: ['x', 'y'], outputs: ['x', 'y'] };
  const graph = networkGraph(net, labels, 0);
  // Stages: 0 input, 1 stream, 2 blocks.0.attn, 3 stream, 4 blocks.0.mlp, 5 stream, 6 blocks.1.attn, 7, 8, 9 stream, 10 output.

  it('a head is every position of it in its block', () => {
    expect(resolveTarget(net, labels, graph, { kind: 'head', block: 1, h: 1 }).units).toEqual([[6, 2], [6, 3]]);
    expect(() => resolveTarget(net, labels, graph, { kind: 'head', block: 2, h: 0 })).toThrow(/^--head 2:0: the network has blocks 0\.\.1$/);
    expect(() => resolveTarget(net, labels, graph, { kind: 'head', block: 0, h: 2 })).toThrow(/^--head 0:2: blocks\.0\.attn has heads 0\.\.1$/);
  });

  it('a stream position is ablated at every stream stage, whichever stage names it', () => {
    const every = [1, 3, 5, 7, 9].map((s) => [s, 2]);
    expect(resolveTarget(net, labels, graph, { kind: 'neuron', layer: 'stream', unit: '2' }).units).toEqual(every);
    expect(resolveTarget(net, labels, graph, { kind: 'neuron', layer: '7', unit: '2' }).units).toEqual(every);
    expect(() => resolveTarget(net, labels, graph, { kind: 'embedding-dim', d: 0 })).toThrow(/^--embedding-dim 0: this network reads features/);
  });

  it('keep-only of a head fixes every other hidden neuron and leaves the stream, inputs and outputs alone', () => {
    const head = resolveTarget(net, labels, graph, { kind: 'head', block: 0, h: 0 }).units;
    const fixed = keepOnlyUnits(net.graph, head);
    const stages = new Set(fixed.map(([s]) => s));
    expect([...stages].sort((a, b) => a - b)).toEqual([2, 4, 6, 8]);
    expect(fixed.filter(([s]) => s === 2)).toEqual([[2, 2], [2, 3]]);
    expect(fixed).toHaveLength(2 + 3 + 4 + 3);
  });
});

describe('keep-only and fixes', () => {
  it('keep-only of a hidden neuron fixes the other hidden neurons; of an input, the other inputs only; of both, both', () => {
    const net = randomNetwork(mlp([3, 2, 2, 1]), 1);
    expect(keepOnlyUnits(net.graph, [[1, 0]])).toEqual([[1, 1], [2, 0], [2, 1]]);
    expect(keepOnlyUnits(net.graph, [[0, 2]])).toEqual([[0, 0], [0, 1]]);
    expect(keepOnlyUnits(net.graph, [[0, 2], [2, 1]])).toEqual([[0, 0], [0, 1], [1, 0], [1, 1], [2, 0]]);
  });

  it('become a probe fix per stage with the value asked for', () => {
    const net = randomNetwork(mlp([3, 2, 2, 1]), 1);
    const fix = ablationFixes(net.graph, [[1, 1], [2, 0], [2, 1]], (s, n) => 10 * s + n);
    expect(fix).toEqual(new Map([[1, new Map([[1, 11]])], [2, new Map([[0, 20], [1, 21]])]]));
  });
});

describe('ablation rows on a hand-built network', () => {
  // y = silu(x1) + silu(x2): hidden neuron 0 reads x1 only, neuron 1 x2 only, both weigh 1 into y; targets 0, so the loss is mean(y^2).
  const net = mlpNetwork(mlp([2, 2, 1]), { weights: [f32(1, 0, 0, 1), f32(1, 1)], biases: [f32(0, 0), f32(0)] });
  const labels: Labels = { inputs: ['x1', 'x2'], outputs: ['y'] };
  const graph = networkGraph(net, labels, 0.5);
  const train = { n: 3, x: f32(0, 1, 1, 2, 2, -1), y: f32(0, 0, 0) };
  const test = { n: 2, x: f32(1, 0, -1, 3), y: f32(0, 0) };
  const task = { inputs: { kind: 'features' as const, dim: 2 }, targets: { kind: 'values' as const, dim: 1 }, train, test, inputLabels: labels.inputs, outputLabels: labels.outputs };
  const silu = (v: number) => v / (1 + Math.exp(-v));
  const meanTrain = (j: number) => (silu(train.x[j]!) + silu(train.x[2 + j]!) + silu(train.x[4 + j]!)) / 3;
  const x = (i: number, j: number) => test.x[2 * i + j]!;
  const loss = (y: (i: number) => number) => (y(0) ** 2 + y(1) ** 2) / 2;
  const h0 = resolveTarget(net, labels, graph, { kind: 'neuron', layer: 'hidden1', unit: '0' });
  const x2 = resolveTarget(net, labels, graph, { kind: 'neuron', layer: 'input', unit: 'x2' });
  const rows = (mode: 'zero' | 'mean', keepOnly: boolean) =>
    ablationRows({ net, task, classLoss: 'cross-entropy', split: 'test', mode, keepOnly }, [h0, x2]).map((r) => [r.target, r.metrics.loss]);

  it('zero and mean ablation hold a neuron at 0 or at its mean over the training split', () => {
    const none = loss((i) => silu(x(i, 0)) + silu(x(i, 1)));
    const [r0, r1, r2] = rows('zero', false);
    expect(r0).toEqual(['none', expect.closeTo(none, 12)]);
    expect(r1).toEqual(['neuron hidden1:0', expect.closeTo(loss((i) => silu(x(i, 1))), 12)]);
    expect(r2).toEqual(['neuron input:x2', expect.closeTo(loss((i) => silu(x(i, 0)) + silu(0)), 12)]);
    const [, m1, m2] = rows('mean', false);
    expect(m1![1]).toBeCloseTo(loss((i) => meanTrain(0) + silu(x(i, 1))), 12);
    // An input held at its mean: x2's mean over the training split, through the hidden neuron.
    expect(m2![1]).toBeCloseTo(loss((i) => silu(x(i, 0)) + silu((1 + 2 - 1) / 3)), 12);
  });

  it('keep-only ablates the rest of the layers the target lies in', () => {
    const [, k1, k2] = rows('mean', true);
    expect(k1).toEqual(['keep-only neuron hidden1:0', expect.closeTo(loss((i) => silu(x(i, 0)) + meanTrain(1)), 12)]);
    expect(k2).toEqual(['keep-only neuron input:x2', expect.closeTo(loss((i) => silu((0 + 1 + 2) / 3) + silu(x(i, 1))), 12)]);
    expect(stageMeans(net, train)[1]![1]).toBeCloseTo(meanTrain(1), 12);
  });
});

describe('split metrics from outputs', () => {
  it('classes: cross-entropy, accuracy and per-class accuracy, known exactly', () => {
    // Row 0: logits (0, 0), class 0: ln 2, a tie goes to the first (right). Row 1: (0, ln 3), class 0: ln 4, wrong.
    // Row 2: (0, ln 3), class 1: ln(4/3), right.
    const out = Float64Array.of(0, 0, 0, Math.log(3), 0, Math.log(3));
    const m = splitMetrics({ kind: 'classes', count: 2 }, out, { n: 3, y: Int32Array.of(0, 0, 1) });
    expect(m.loss).toBeCloseTo((Math.log(2) + Math.log(4) + Math.log(4 / 3)) / 3, 12);
    expect(m.acc).toBeCloseTo(2 / 3, 12);
    expect(m.perOutput).toEqual([0.5, 1]);
    // One-hot MSE: mean over n * k entries.
    const mse = splitMetrics({ kind: 'classes', count: 2 }, Float64Array.of(1, 0, 0, 1), { n: 2, y: Int32Array.of(0, 0) }, 'mse-onehot');
    expect(mse.loss).toBeCloseTo(2 / 4, 12);
  });

  it('values: MSE over all entries and per output; sequences: the scored entries only', () => {
    const v = splitMetrics({ kind: 'values', dim: 2 }, Float64Array.of(1, 2, 3, 4), { n: 2, y: Float32Array.of(0, 2, 3, 0) });
    expect(v).toEqual({ loss: (1 + 0 + 0 + 16) / 4, acc: null, perOutput: [0.5, 8] });
    // length 2, dim 1, only position 1 scored.
    const spec = { kind: 'sequence' as const, length: 2, dim: 1, scored: [{ position: 1, channel: 0 }] };
    const s = splitMetrics(spec, Float64Array.of(9, 1, 9, 3), { n: 2, y: Float32Array.of(0, 0, 0, 1) });
    expect(s).toEqual({ loss: (1 + 4) / 2, acc: null, perOutput: [2.5] });
  });
});
