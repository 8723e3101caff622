import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { applySwap } from '../src/bimt/swap.js';
import { modelSchema } from '../src/config/schema.js';
import { BimtError } from '../src/errors.js';
import { architectureFor } from '../src/config/architecture.js';
import { BioModel } from '../src/model/bio-model.js';
import {
  connectionCost,
  costCoefficients,
  type CostSpec,
} from '../src/model/connection-cost.js';
import { connectionCostTensor, uploadCoefficients } from '../src/model/connection-cost-tfjs.js';
import { initNetwork } from '../src/model/init.js';
import { modelGraph } from '../src/model/architectures/registry.js';
import type { Network } from '../src/model/network.js';
import { makeModularAddition, modularAddition } from '../src/tasks/modular-addition.js';
import type { Split } from '../src/tasks/task.js';
import { Rng } from '../src/util/random.js';
import { mlp, mlpArch, W, asMlp } from './helpers.js';

const build = (task: object = {}, seed = 4) =>
  modularAddition.build(modularAddition.schema.parse({ kind: 'modular-addition', ...task }), seed);
const pairs = (s: Split) => Array.from({ length: s.n }, (_, i) => s.x[2 * i] * 1000 + s.x[2 * i + 1]);

/** The paper's network for p = 59: [64, 50, 50, 59], in_fold 2, embedding 59 x 32. */
function paperNetwork(seed: number): Network {
  const task = build();
  const arch = architectureFor(modelSchema.parse({ widths: [64, 50, 50, 59], in_fold: 2 }), task);
  return initNetwork(arch, seed);
}

function forward(net: Network, x: Int32Array): Float32Array {
  const model = BioModel.fromNetwork(net);
  const out = tf.tidy(() => model.forward(tf.tensor2d(x, [x.length / 2, 2], 'int32')).dataSync() as Float32Array);
  model.dispose();
  return out;
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('modular addition data', () => {
  it('splits all p^2 pairs 80/20, disjoint and complete, with (a + b) mod p labels', () => {
    const t = build();
    expect(t.inputs).toEqual({ kind: 'tokens', count: 2, vocab: 59 });
    expect(t.targets).toEqual({ kind: 'classes', count: 59 });
    // int(0.8 * 59^2) = 2784 as in the notebook (docs/experiments.md, "The paper's experiments" table: full batch of 2784).
    expect(t.train.n).toBe(2784);
    expect(t.test.n).toBe(59 * 59 - 2784);
    expect(t.train.x).toBeInstanceOf(Int32Array);
    expect(t.train.y).toBeInstanceOf(Int32Array);
    const train = new Set(pairs(t.train));
    const test = new Set(pairs(t.test));
    expect(train.size).toBe(t.train.n);
    expect(test.size).toBe(t.test.n);
    expect([...test].filter((k) => train.has(k))).toEqual([]);
    const all = new Set([...train, ...test]);
    for (let a = 0; a < 59; a++) for (let b = 0; b < 59; b++) expect(all.has(a * 1000 + b)).toBe(true);
    for (const s of [t.train, t.test]) {
      for (let i = 0; i < s.n; i++) expect(s.y[i]).toBe((s.x[2 * i] + s.x[2 * i + 1]) % 59);
    }
  });

  it('is seeded: same seed same split, another seed another split, task.seed overrides', () => {
    const a = build({}, 4);
    expect(a.train.x).toEqual(build({}, 4).train.x);
    expect(a.test.x).toEqual(build({}, 4).test.x);
    expect(a.train.x).not.toEqual(build({}, 5).train.x);
    expect(build({ seed: 4 }, 123).train.x).toEqual(a.train.x);
  });

  it('labels inputs by embedding dimension and outputs by residue; honours p and the fraction', () => {
    const t = build();
    expect(t.inputLabels).toEqual(Array.from({ length: 32 }, (_, d) => `e${d}`));
    expect(t.outputLabels).toEqual(Array.from({ length: 59 }, (_, r) => `${r}`));
    const small = makeModularAddition(7, 0.5, new Rng(1));
    expect([small.train.n, small.test.n]).toEqual([24, 25]);
    expect(() => makeModularAddition(3, 0.05, new Rng(1))).toThrow(BimtError);
  });

  it('makes the architecture check the embedding size against widths[0] / in_fold', () => {
    const model = modelSchema.parse({ widths: [64, 50, 59], in_fold: 2 });
    expect(asMlp(architectureFor(model, build())).embedding).toEqual({ vocab: 59, dim: 32 });
    expect(() => architectureFor(model, build({ embedding_dim: 16 }))).toThrow(
      /model\.widths: the task embeds each token in 16 dimensions, so the first width must be in_fold \* 16 = 32, not 64/,
    );
    expect(() => architectureFor(modelSchema.parse({ widths: [64, 50, 59] }), build())).toThrow(/in_fold must be 2/);
  });
});

describe('modular addition network', () => {
  it('a swap of input positions moves both embedding halves together: outputs unchanged', () => {
    const net = paperNetwork(4);
    const x = build().test.x as Int32Array;
    const before = forward(net, x);
    const rng = new Rng(7, 'swaps');
    for (let s = 0; s < 20; s++) applySwap(net, { layer: 'input', a: rng.int(32), b: rng.int(32) });
    for (let s = 0; s < 10; s++) {
      const l = 1 + rng.int(3);
      const n = mlpArch(net).widths[l];
      applySwap(net, { layer: ['hidden1', 'hidden2', 'output'][l - 1], a: rng.int(n), b: rng.int(n) });
    }
    expect(Array.from(net.inPerm)).not.toEqual(Array.from({ length: 32 }, (_, j) => j));
    expect(maxDiff(before, forward(net, x))).toBeLessThan(1e-5);

    // Control: moving only the first operand's half breaks the network, so the check above has teeth.
    const w0 = W(net, 0);
    const row = (j: number) => w0.subarray(j * 50, (j + 1) * 50);
    const keep = row(3).slice();
    row(3).set(row(5));
    row(5).set(keep);
    [net.inPerm[3], net.inPerm[5]] = [net.inPerm[5], net.inPerm[3]];
    expect(maxDiff(before, forward(net, x))).toBeGreaterThan(1e-3);
  });

  it('the embedding adds l0 * |E| to the connection cost, with gradient l0 * sign(E)', () => {
    const net = paperNetwork(2);
    const E = net.params.get('embedding')!;
    const sumAbsE = E.reduce((s, v) => s + Math.abs(v), 0);
    const bare = modelGraph(mlp(mlpArch(net).widths, mlpArch(net).inFold));
    const params = new Map([...net.params].filter(([name]) => name !== 'embedding'));
    expect(params.size).toBe(bare.tensors.length);
    for (const aggregate of ['sum', 'mean'] as const) {
      const spec: CostSpec = { weightFactor: 2, l0: 0.5, noPenalizeLast: false, aggregate };
      const scale = aggregate === 'mean' ? 1 / E.length : 1;
      const coef = costCoefficients(net.graph, spec);
      const withE = connectionCost(net.params, coef, true);
      const withoutE = connectionCost(params, costCoefficients(bare, spec), true);
      expect(withE - withoutE).toBeCloseTo(0.5 * sumAbsE * scale, 4);

      const coefT = uploadCoefficients(net.graph, coef);
      const model = BioModel.fromNetwork(net);
      const embedding = model.tensors().get('embedding') as tf.Variable;
      const { value, grads } = tf.variableGrads(
        () => connectionCostTensor(model.tensors(), coef, coefT, true),
        [embedding],
      );
      expect(Math.abs(value.dataSync()[0] - withE) / withE).toBeLessThan(1e-5); // float32 sum vs float64
      const g = grads[embedding.name].dataSync();
      E.forEach((v, n) => expect(g[n]).toBeCloseTo(0.5 * Math.sign(v) * scale, 7));
      tf.dispose([value, ...Object.values(grads), ...coefT.values()]);
      model.dispose();
    }
  });
});
