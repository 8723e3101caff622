// Probes (src/model/probe.ts; docs/design.md, "Probes"): the one forward pass that eval and
// ablate go through. Its outputs against the tfjs forward passes (BioModel, TransformerModel);
// what `record` sees at each stage against the inputs, the outputs and a stage recomputed here;
// a neuron held at 0 against an independent network whose outgoing weights are zero; mean
// ablation and keep-only on hand-built MLPs whose answers are known exactly.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { transformerTensors } from '../src/model/architectures/transformer.js';
import { tokenIds } from '../src/model/bio-model.js';
import { stageWidth, type TransformerArchitecture } from '../src/model/model-graph.js';
import { cloneNetwork, type Network } from '../src/model/network.js';
import { probeNetwork, type Probe } from '../src/model/probe.js';
import { tfModelOf } from '../src/model/tf-model.js';
import { Rng } from '../src/util/random.js';
import { mlp, mlpNetwork, randomNetwork, W } from './helpers.js';

/** The tfjs model's outputs [n, outputs] (sequences [n, T * outDim]), original order. */
function tfjsOutputs(net: Network, x: Float32Array | Int32Array, n: number): Float32Array {
  const model = tfModelOf(net);
  const xt = tf.tensor2d(x, [n, x.length / n], x instanceof Int32Array ? 'int32' : 'float32');
  const tokens = x instanceof Int32Array ? tokenIds(xt) : undefined;
  const y = model.forwardSplit({ x: xt, ...(tokens ? { tokens } : {}) });
  const out = y.dataSync() as Float32Array;
  tf.dispose([xt, y, ...(tokens ?? [])]);
  model.dispose();
  return out;
}

/** max |a - b| / max(1, max |b|). */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  let scale = 1;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return d / scale;
}

/** Every stage's recorded values, copied. */
function recording(): { probe: Probe; stages: Map<number, Float64Array> } {
  const stages = new Map<number, Float64Array>();
  return { probe: { record: (s, v) => stages.set(s, v.slice()) }, stages };
}

const features = (length: number, seed: number) => {
  const rng = new Rng(seed, 'probe-inputs');
  return Float32Array.from({ length }, () => rng.range(-2, 2));
};

const silu = (v: number) => v / (1 + Math.exp(-v));
const gelu = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));

/** x [n, nIn] W [nIn, nOut] + b, then `act`, in float64. */
function dense(x: ArrayLike<number>, n: number, w: ArrayLike<number>, b: ArrayLike<number>, act: (v: number) => number): Float64Array {
  const nOut = b.length;
  const nIn = w.length / nOut;
  const y = new Float64Array(n * nOut);
  for (let r = 0; r < n; r++) {
    for (let o = 0; o < nOut; o++) {
      let z = b[o];
      for (let i = 0; i < nIn; i++) z += x[r * nIn + i] * w[i * nOut + o];
      y[r * nOut + o] = act(z);
    }
  }
  return y;
}

const transformer = (layerNorm: boolean): TransformerArchitecture => ({
  kind: 'transformer',
  inDim: 3,
  outDim: 2,
  embed: 8,
  blocks: 2,
  heads: 2,
  mlpHidden: 6,
  seqLen: 3,
  layerNorm,
});

describe('probeNetwork', () => {
  // 300 rows: more than one chunk of the pass.
  const mlpCases: [string, Network, Float32Array | Int32Array, number][] = [
    ['a feature MLP', randomNetwork(mlp([4, 9, 7, 3]), 1), features(300 * 4, 1), 300],
    ['a folded-input MLP', randomNetwork(mlp([6, 5, 2], 2), 2), features(40 * 6, 2), 40],
    ['a token MLP', randomNetwork(mlp([2 * 5, 8, 3], 2, { vocab: 7, dim: 5 }), 3), Int32Array.from({ length: 30 * 2 }, (_, i) => (i * 5 + (i >> 3)) % 7), 30],
    ['a transformer without LayerNorm', randomNetwork(transformer(false), 4), features(20 * 3 * 3, 4), 20],
    ['a transformer with LayerNorm', randomNetwork(transformer(true), 5), features(270 * 3 * 3, 5), 270],
  ];
  for (const [label, net, x, n] of mlpCases) {
    it(`outputs equal the tfjs forward pass to 1e-5: ${label}`, () => {
      expect(maxDiff(probeNetwork(net, x, n), tfjsOutputs(net, x, n))).toBeLessThan(1e-5);
    });
  }

  it('records the permuted input, each hidden layer after SiLU and the output positions (MLP, folded input, two chunks)', () => {
    const net = randomNetwork(mlp([6, 5, 4, 3], 2), 6);
    const n = 260;
    const x = features(n * 6, 6);
    const { probe, stages } = recording();
    const y = probeNetwork(net, x, n, probe);
    expect([...stages.keys()]).toEqual([0, 1, 2, 3]);
    expect(stages.get(0)!.length).toBe(n * 6);
    const input = new Float64Array(n * 6);
    for (let r = 0; r < n; r++) for (let f = 0; f < 2; f++) for (let j = 0; j < 3; j++) input[r * 6 + f * 3 + j] = x[r * 6 + f * 3 + net.inPerm[j]];
    expect(Array.from(stages.get(0)!)).toEqual(Array.from(input));
    const [b0, b1] = [net.params.get('linears.0.linear.bias')!, net.params.get('linears.1.linear.bias')!];
    expect(maxDiff(stages.get(1)!, dense(input, n, W(net, 0), b0, silu))).toBeLessThan(1e-12);
    expect(maxDiff(stages.get(2)!, dense(stages.get(1)!, n, W(net, 1), b1, silu))).toBeLessThan(1e-12);
    const positions = new Float64Array(n * 3);
    for (let r = 0; r < n; r++) for (let q = 0; q < 3; q++) positions[r * 3 + q] = y[r * 3 + net.outPerm[q]];
    expect(Array.from(stages.get(3)!)).toEqual(Array.from(positions));
  });

  it("records a token MLP's input as the embedding rows through the permutation", () => {
    const net = randomNetwork(mlp([2 * 5, 4, 3], 2, { vocab: 7, dim: 5 }), 7);
    const ids = Int32Array.from([6, 0, 3, 3, 1, 5]);
    const { probe, stages } = recording();
    probeNetwork(net, ids, 3, probe);
    const E = net.params.get('embedding')!;
    const want = Array.from({ length: 3 * 10 }, (_, i) => E[ids[Math.floor(i / 5)] * 5 + net.inPerm[i % 5]]);
    expect(Array.from(stages.get(0)!)).toEqual(want);
  });

  it("records a transformer's stages at every token: input, stream, attention, MLP hidden after GELU, output", () => {
    const arch = transformer(false);
    const net = randomNetwork(arch, 8);
    const { inDim, outDim, embed: E, mlpHidden: M, seqLen: T } = arch;
    const n = 11;
    const x = features(n * T * inDim, 8);
    const { probe, stages } = recording();
    const y = probeNetwork(net, x, n, probe);
    expect(net.graph.stages.map((_, s) => stageWidth(net.graph, s))).toEqual([inDim, E, E, E, M, E, E, E, M, E, outDim]);
    expect([...stages.keys()]).toEqual([...Array(11).keys()]);
    const tokens = n * T;
    const input = Float64Array.from({ length: tokens * inDim }, (_, i) => x[Math.floor(i / inDim) * inDim + net.inPerm[i % inDim]]);
    expect(Array.from(stages.get(0)!)).toEqual(Array.from(input));
    const t = transformerTensors(arch);
    const p = (name: string) => net.params.get(name)!;
    expect(maxDiff(stages.get(1)!, dense(input, tokens, p(t.in.weight), p(t.in.bias), (v) => v))).toBeLessThan(1e-12);
    // Block 0's MLP hidden from the stream after its attention (no LayerNorm), and the stream after it.
    const hidden = dense(stages.get(3)!, tokens, p(t.blocks[0].mlp0.weight), p(t.blocks[0].mlp0.bias), gelu);
    expect(maxDiff(stages.get(4)!, hidden)).toBeLessThan(1e-12);
    const update = dense(hidden, tokens, p(t.blocks[0].mlp1.weight), p(t.blocks[0].mlp1.bias), (v) => v);
    expect(maxDiff(stages.get(5)!, update.map((v, i) => v + stages.get(3)![i]))).toBeLessThan(1e-12);
    const positions = Float64Array.from({ length: tokens * outDim }, (_, i) => y[Math.floor(i / outDim) * outDim + net.outPerm[i % outDim]]);
    expect(Array.from(stages.get(10)!)).toEqual(Array.from(positions));
  });

  it('zero-fixing an MLP hidden neuron equals zeroing its outgoing weights (and records the 0)', () => {
    const net = randomNetwork(mlp([4, 6, 5, 3]), 9);
    const n = 50;
    const x = features(n * 4, 9);
    const cut = cloneNetwork(net);
    W(cut, 1).fill(0, 2 * 5, 3 * 5); // row 2 of [6, 5]: hidden1 neuron 2's outgoing weights
    const { probe, stages } = recording();
    const y = probeNetwork(net, x, n, { fix: new Map([[1, new Map([[2, 0]])]]), ...probe });
    expect(maxDiff(y, tfjsOutputs(cut, x, n))).toBeLessThan(1e-5);
    expect(maxDiff(y, probeNetwork(net, x, n))).toBeGreaterThan(1e-3);
    for (let r = 0; r < n; r++) expect(stages.get(1)![r * 6 + 2]).toBe(0);
  });

  for (const layerNorm of [false, true]) {
    it(`zero-fixing a transformer's attention position and MLP hidden neuron equals zeroing their outgoing weights (LayerNorm ${layerNorm})`, () => {
      const arch = transformer(layerNorm);
      const net = randomNetwork(arch, 10);
      const n = 9;
      const x = features(n * arch.seqLen * arch.inDim, 10);
      const t = transformerTensors(arch);
      const cut = cloneNetwork(net);
      const E = arch.embed;
      // Attention position 5 of block 1 (stage 6) is row 5 of l_proj [E, E]; MLP hidden 4 of
      // block 0 (stage 4) is row 4 of mlp.linears.1 [M, E].
      cut.params.get(t.blocks[1].proj.weight)!.fill(0, 5 * E, 6 * E);
      cut.params.get(t.blocks[0].mlp1.weight)!.fill(0, 4 * E, 5 * E);
      const fix = new Map([
        [6, new Map([[5, 0]])],
        [4, new Map([[4, 0]])],
      ]);
      const y = probeNetwork(net, x, n, { fix });
      expect(maxDiff(y, tfjsOutputs(cut, x, n))).toBeLessThan(1e-5);
      expect(maxDiff(y, probeNetwork(net, x, n))).toBeGreaterThan(1e-3);
    });
  }

  for (const layerNorm of [false, true]) {
    it(`zero-fixing a stream position at every stream stage equals a network that never writes it (LayerNorm ${layerNorm})`, () => {
      const arch = transformer(layerNorm);
      const net = randomNetwork(arch, 11);
      const n = 7;
      const x = features(n * arch.seqLen * arch.inDim, 11);
      const t = transformerTensors(arch);
      const cut = cloneNetwork(net);
      const j = 3;
      // Every writer of stream position j: column j of l_i, each l_proj and each mlp.linears.1.
      for (const pair of [t.in, ...t.blocks.flatMap((b) => [b.proj, b.mlp1])]) {
        const w = cut.params.get(pair.weight)!;
        for (let i = 0; i < w.length / arch.embed; i++) w[i * arch.embed + j] = 0;
        cut.params.get(pair.bias)![j] = 0;
      }
      const streams = net.graph.stages.flatMap((s, i) => (s.layer === 'stream' ? [i] : []));
      expect(streams).toEqual([1, 3, 5, 7, 9]);
      const y = probeNetwork(net, x, n, { fix: new Map(streams.map((s) => [s, new Map([[j, 0]])])) });
      expect(maxDiff(y, tfjsOutputs(cut, x, n))).toBeLessThan(1e-5);
      // Fixed at the first residual point only, later blocks write it again.
      expect(maxDiff(probeNetwork(net, x, n, { fix: new Map([[1, new Map([[j, 0]])]]) }), y)).toBeGreaterThan(1e-3);
    });
  }

  // widths [2, 2, 1]: h = silu(x) (W0 = I, b0 = 0), y = 2 h_0 + 3 h_1 + 1.
  const handBuilt = () =>
    mlpNetwork(mlp([2, 2, 1]), { weights: [Float32Array.from([1, 0, 0, 1]), Float32Array.from([2, 3])], biases: [new Float32Array(2), Float32Array.from([1])] });

  it('mean ablation holds a neuron at its training mean: the answer known by hand', () => {
    const net = handBuilt();
    // Training rows x_1 = 2 and -2: silu(v) + silu(-v) = v tanh(v / 2), so h_1's mean is tanh(1).
    const { probe, stages } = recording();
    probeNetwork(net, Float32Array.from([0, 2, 0, -2]), 2, probe);
    const h = stages.get(1)!;
    const mean = (h[1] + h[3]) / 2;
    expect(mean).toBeCloseTo(Math.tanh(1), 14);
    // Held there, y = 2 silu(x_0) + 3 tanh(1) + 1 whatever x_1 is: 3 tanh(1) + 1 at x_0 = 0, and
    // silu(v) - silu(-v) = v makes the rows at x_0 = 1 and -1 differ by 2.
    const y = probeNetwork(net, Float32Array.from([0, 5, 1, -7, -1, 3]), 3, { fix: new Map([[1, new Map([[1, mean]])]]) });
    expect(y[0]).toBeCloseTo(3 * Math.tanh(1) + 1, 14);
    expect(y[1] - y[2]).toBeCloseTo(2, 14);
    expect(probeNetwork(net, Float32Array.from([0, 5]), 1)[0]).toBeCloseTo(3 * silu(5) + 1, 12);
  });

  it('keep-only: every other neuron of the layer held at 0 leaves the kept one alone, known by hand', () => {
    // widths [2, 3, 1]: h = silu(x_0, x_1, x_0 + x_1), y = 10 h_0 + 2 h_1 - 5 h_2 + 0.5; keep h_1.
    const net = mlpNetwork(mlp([2, 3, 1]), {
      weights: [Float32Array.from([1, 0, 1, 0, 1, 1]), Float32Array.from([10, 2, -5])],
      biases: [new Float32Array(3), Float32Array.from([0.5])],
    });
    const keepOnly = new Map([[1, new Map([[0, 0], [2, 0]])]]);
    const y = probeNetwork(net, Float32Array.from([3, 0, -4, 2, 5, -2]), 3, { fix: keepOnly });
    // y = 2 silu(x_1) + 0.5: 0.5 at x_1 = 0; silu(2) - silu(-2) = 2 makes the other two differ by 4.
    expect(y[0]).toBe(0.5);
    expect(y[1] - y[2]).toBeCloseTo(4, 14);
    expect(probeNetwork(net, Float32Array.from([3, 0]), 1)[0]).toBeCloseTo(5 * silu(3) + 0.5, 12);
  });

  it('fixing an output position or an input fold copy reaches the outputs through the permutations', () => {
    const net = randomNetwork(mlp([6, 5, 3], 2), 12);
    const x = features(4 * 6, 12);
    const q = 1;
    const y = probeNetwork(net, x, 4, { fix: new Map([[2, new Map([[q, 42]])]]) });
    for (let r = 0; r < 4; r++) expect(y[r * 3 + net.outPerm[q]]).toBe(42);
    // Input position j of fold 1 (neuron 3 + j) held at 0 equals feature inPerm[j] of fold 1 set to 0.
    const j = 2;
    const zeroed = x.slice();
    for (let r = 0; r < 4; r++) zeroed[r * 6 + 3 + net.inPerm[j]] = 0;
    expect(maxDiff(probeNetwork(net, x, 4, { fix: new Map([[0, new Map([[3 + j, 0]])]]) }), probeNetwork(net, zeroed, 4))).toBeLessThan(1e-15);
  });

  it('refuses a stage or neuron the graph lacks, and inputs that are not its rows', () => {
    const net = randomNetwork(mlp([2, 3, 1]), 13);
    const x = features(2, 13);
    expect(() => probeNetwork(net, x, 1, { fix: new Map([[3, new Map([[0, 0]])]]) })).toThrow(/stage 3 of 3/);
    expect(() => probeNetwork(net, x, 1, { fix: new Map([[1, new Map([[3, 0]])]]) })).toThrow(/neuron 3 of stage 1, which has 3/);
    expect(() => probeNetwork(net, x, 1, { fix: new Map([[1, new Map([[0, NaN]])]]) })).toThrow(/held at NaN/);
    expect(() => probeNetwork(net, x, 2)).toThrow(/2 inputs for 2 rows of 2/);
    expect(() => probeNetwork(net, Int32Array.from([0, 1]), 1)).toThrow(/inputs are Int32Array, this network reads Float32Array/);
    const tokens = randomNetwork(mlp([2 * 5, 4, 3], 2, { vocab: 7, dim: 5 }), 13);
    expect(() => probeNetwork(tokens, Float32Array.from([0, 1]), 1)).toThrow(/reads Int32Array/);
    expect(() => probeNetwork(tokens, Int32Array.from([0, 7]), 1)).toThrow(/token 7 at row 0, fold 1: the table has 7 rows/);
  });
});
