// K networks' maths with a leading model axis (docs/design.md, "Populations"): mlp-tfjs.ts's
// forward and connection-cost-tfjs.ts's cost of K stacked networks, held to the same functions of
// each network alone (BioModel, one network's cost), through the population's own state.
import { graphOfKind } from '../src/model/architectures/registry.js';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { AdamSettings } from '../src/config/plan.js';
import { BioModel } from '../src/model/bio-model.js';
import { costCoefficients, type CostSpec } from '../src/model/connection-cost.js';
import { connectionCostTensor, stackCoefficients, uploadCoefficients } from '../src/model/connection-cost-tfjs.js';
import { mlpForward } from '../src/model/mlp-tfjs.js';
import type { Network } from '../src/model/network.js';
import { PopulationState } from '../src/train/population-state.js';
import { mlp, randomNetwork, relDiff } from './helpers.js';
import { Rng } from '../src/util/random.js';

const ADAM: AdamSettings = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };
// Three layers, inputs folded twice: the input permutation acts on 3 positions of each fold.
const ARCH = mlp([6, 5, 4, 3], 2);
const K = 3;

function randomInputs(n: number, seed: number): Float32Array {
  const rng = new Rng(seed, 'population-maths');
  return Float32Array.from({ length: K * n * 6 }, () => rng.range(-2, 2));
}

/** Member k's slice [n, ...] of a stacked tensor [K, n, ...], as host numbers. */
function slice(t: tf.Tensor, k: number): Float32Array {
  return tf.tidy(() => tf.squeeze(tf.slice(t, [k], [1]), [0]).dataSync() as Float32Array);
}

/** Predictions [n, N_L] of one network alone (BioModel's forward). */
function alone(net: Network, x: Float32Array, n: number): Float32Array {
  const model = BioModel.fromNetwork(net);
  const pred = tf.tidy(() => model.forward(tf.tensor2d(x, [n, 6])).dataSync() as Float32Array);
  model.dispose();
  return pred;
}

describe('K networks at once', () => {
  it('the forward pass of K stacked networks is each network\'s own forward pass, permutations included, also after one member loads another network', () => {
    const nets = [0, 1, 2].map((k) => randomNetwork(ARCH, 40 + k));
    // Each member's permutations differ from the others' (and from the identity).
    expect(new Set(nets.map((n) => Array.from(n.inPerm).join() + Array.from(n.outPerm).join())).size).toBe(K);
    const state = new PopulationState(graphOfKind(nets[0]!.graph, 'mlp')!, nets.map((net) => ({ net, adam: ADAM })));
    const n = 7;
    const xs = randomInputs(n, 1);
    const x = tf.tensor3d(xs, [K, n, 6]);
    const forward = () => mlpForward(state.layers(), { kind: 'stacked features', x, inMatrix: state.permutationTensors().inMatrix });
    const member = (k: number) => xs.subarray(k * n * 6, (k + 1) * n * 6);
    const pred = forward();
    expect(pred.shape).toEqual([K, n, 3]);
    // Within float32 rounding: K networks take their input permutation as x (P W_0), one network as x P then W_0 (mlp-tfjs.ts).
    for (let k = 0; k < K; k++) expect(relDiff(slice(pred, k), alone(nets[k]!, member(k), n)), `member ${k}`).toBeLessThan(1e-6);
    // Member 1 takes another network with other permutations (a relocation): its slice follows, the others stay.
    const other = randomNetwork(ARCH, 99);
    state.load(1, other.params, other.inPerm, other.outPerm);
    const after = forward();
    expect(relDiff(slice(after, 1), alone(other, member(1), n))).toBeLessThan(1e-6);
    for (const k of [0, 2]) expect(Array.from(slice(after, k))).toEqual(Array.from(slice(pred, k)));
    tf.dispose([x, pred, after]);
    state.dispose();
  });

  it('the cost of K stacked networks is [K] of each network\'s own cost, each with its own settings and bias penalty, and so are the gradients', () => {
    const nets = [0, 1, 2].map((k) => randomNetwork(ARCH, 50 + k));
    const specs: CostSpec[] = [
      { weightFactor: 1, l0: 0.1, noPenalizeLast: false, aggregate: 'sum' },
      { weightFactor: 2, l0: 0.3, noPenalizeLast: true, aggregate: 'mean' },
      { weightFactor: 0.5, l0: 0.2, noPenalizeLast: false, aggregate: 'sum' },
    ];
    const includeBias = [true, false, true];
    const lambda = [1e-3, 1e-2, 0.5];
    const coefs = nets.map((net, k) => costCoefficients(net.graph, specs[k]!));
    const state = new PopulationState(graphOfKind(nets[0]!.graph, 'mlp')!, nets.map((net) => ({ net, adam: ADAM })));
    const stacked = stackCoefficients(nets[0]!.graph, coefs);
    const vars = [...state.vars.values()];
    const { value, grads } = tf.variableGrads(
      () => tf.sum(tf.mul(connectionCostTensor(state.vars, stacked.coef, stacked.tensors, includeBias), tf.tensor1d(lambda))) as tf.Scalar,
      vars,
    );
    const costs = tf.tidy(() => connectionCostTensor(state.vars, stacked.coef, stacked.tensors, includeBias).dataSync());
    expect(costs).toHaveLength(K);
    let total = 0;
    nets.forEach((net, k) => {
      const model = BioModel.fromNetwork(net);
      const coefT = uploadCoefficients(net.graph, coefs[k]!);
      const one = tf.variableGrads(() => tf.mul(connectionCostTensor(model.tensors(), coefs[k]!, coefT, includeBias[k]!), lambda[k]!) as tf.Scalar, model.variables());
      const own = one.value.dataSync()[0]! / lambda[k]!;
      expect(Math.abs(costs[k]! - own) / own, `member ${k}'s cost`).toBeLessThan(1e-6);
      total += one.value.dataSync()[0]!;
      model.variables().forEach((v, i) => {
        // A bias out of the cost has no gradient of its own: zero, as the engines take it.
        const g = one.grads[v.name]?.dataSync() ?? new Float32Array(v.size);
        // Equal to the last bit (+ 0: -0 and +0 alike, as the bias that is out of the cost shows).
        expect(Array.from(slice(grads[vars[i]!.name]!, k), (x) => x + 0), `member ${k}: ${net.graph.tensors[i]!.name}`).toEqual(Array.from(g, (x) => x + 0));
      });
      tf.dispose([one.value, ...Object.values(one.grads), ...coefT.values()]);
      model.dispose();
    });
    expect(Math.abs(value.dataSync()[0]! - total) / total).toBeLessThan(1e-6);
    tf.dispose([value, ...Object.values(grads), ...stacked.tensors.values()]);
    state.dispose();
  });
});
