import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  connectionCost,
  costCoefficients,
  networkCost,
  type CostSpec,
} from '../src/model/connection-cost.js';
import { connectionCostTensor, uploadCoefficients } from '../src/model/connection-cost-tfjs.js';
import { BioModel } from '../src/model/bio-model.js';
import type { Network } from '../src/model/network.js';
import { mlp, mlpNetwork, randomNetwork, W } from './helpers.js';

// widths [2, 2, 1]: layer 0 and 1 at x = 0.25, 0.75; the output at x = 0.5.
const tiny: Network = mlpNetwork(
  mlp([2, 2, 1]),
  {
    weights: [Float32Array.from([1, -2, 0.5, 0]), Float32Array.from([3, -1])],
    biases: [Float32Array.from([0.5, -0.5]), Float32Array.from([2])],
  },
  Int32Array.from([0, 1]),
  Int32Array.from([0]),
);
const base: CostSpec = { weightFactor: 1, l0: 0.1, noPenalizeLast: false, aggregate: 'sum' };

describe('connection cost', () => {
  it('matches a hand computation', () => {
    // Layer 0: |1|(0 + .1) + |-2|(.5 + .1) + |.5|(.5 + .1) + 0 = 1.6
    // Layer 1: |3|(.25 + .1) + |-1|(.25 + .1) = 1.4;  biases: .1 * (.5 + .5 + 2) = .3
    expect(networkCost(tiny, base, true)).toBeCloseTo(3.3, 6);
    expect(networkCost(tiny, base, false)).toBeCloseTo(3.0, 6);
    // Mean per tensor: 1.6 / 4 + 1.4 / 2 + .1 * 1 / 2 + .1 * 2 / 1
    expect(networkCost(tiny, { ...base, aggregate: 'mean' }, true)).toBeCloseTo(1.35, 6);
    // no_penalize_last drops the last layer's distance term only: 3 * .1 + 1 * .1 = .4
    expect(networkCost(tiny, { ...base, noPenalizeLast: true }, true)).toBeCloseTo(2.3, 6);
    // Weight factor 2 doubles the distances: layer 0 = .1 + 2 * 1.1 + .5 * 1.1 = 2.85, layer 1 = 4 * .6 = 2.4
    expect(networkCost(tiny, { ...base, weightFactor: 2 }, false)).toBeCloseTo(5.25, 6);
  });

  it('counts the embedding as l0 * |E| with the aggregation of its tensor', () => {
    const arch = mlp([4, 3, 2], 2, { vocab: 5, dim: 2 });
    const net = randomNetwork(arch, 7);
    const E = net.params.get('embedding')!;
    const sumE = E.reduce((s, x) => s + Math.abs(x), 0);
    const noEmbedding = new Map([...net.params, ['embedding', new Float32Array(E.length)]]);
    const without = connectionCost(noEmbedding, costCoefficients(net.graph, base), true);
    expect(networkCost(net, base, true) - without).toBeCloseTo(0.1 * sumE, 5);
    const withoutMean = connectionCost(
      noEmbedding,
      costCoefficients(net.graph, { ...base, aggregate: 'mean' }),
      true,
    );
    expect(networkCost(net, { ...base, aggregate: 'mean' }, true) - withoutMean).toBeCloseTo((0.1 * sumE) / 10, 6);
  });

  it('the tfjs cost equals the host cost and its gradient matches finite differences', () => {
    const arch = mlp([4, 6, 5, 3], 2, { vocab: 3, dim: 2 });
    for (const spec of [base, { ...base, aggregate: 'mean' as const, weightFactor: 2, noPenalizeLast: true }]) {
      const net = randomNetwork(arch, 11);
      const coef = costCoefficients(net.graph, spec);
      const coefT = uploadCoefficients(net.graph, coef);
      const model = BioModel.fromNetwork(net);
      const vars = model.variables();
      const { value, grads } = tf.variableGrads(() => connectionCostTensor(model.tensors(), coef, coefT, true), vars);
      expect(value.dataSync()[0]).toBeCloseTo(connectionCost(net.params, coef, true), 4);

      // Central differences of the float64 host cost, entry by entry of every tensor. The step is
      // taken as actually stored in float32, and small enough that no entry changes sign.
      const h = 1e-3;
      // The variables come in the graph's canonical order, the order of its tensors.
      expect(vars.length).toBe(net.graph.tensors.length);
      vars.forEach((v, t) => {
        const g = grads[v.name].dataSync();
        const p = net.params.get(net.graph.tensors[t].name)!;
        for (let n = 0; n < p.length; n++) {
          const keep = p[n];
          p[n] = keep + h;
          const [xUp, up] = [p[n], connectionCost(net.params, coef, true)];
          p[n] = keep - h;
          const [xDown, down] = [p[n], connectionCost(net.params, coef, true)];
          p[n] = keep;
          expect(g[n]).toBeCloseTo((up - down) / (xUp - xDown), 4);
        }
      });
      tf.dispose([value, ...Object.values(grads), ...coefT.values()]);
      model.dispose();
    }
  });

  it('the gradient of |w| at exactly 0 is 0', () => {
    const net = randomNetwork(mlp([2, 2, 1]), 3);
    W(net, 0)[1] = 0;
    const coef = costCoefficients(net.graph, base);
    const coefT = uploadCoefficients(net.graph, coef);
    const model = BioModel.fromNetwork(net);
    const { grads } = tf.variableGrads(() => connectionCostTensor(model.tensors(), coef, coefT, false), model.variables());
    expect(grads[(model.tensors().get('linears.0.linear.weight') as tf.Variable).name].dataSync()[1]).toBe(0);
    model.dispose();
  });
});
