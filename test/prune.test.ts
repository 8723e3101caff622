import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { pruneNetwork } from '../src/bimt/prune.js';
import { BioModel } from '../src/model/bio-model.js';
import type { Network } from '../src/model/network.js';
import { B, mlp, mlpNetwork, W as weight } from './helpers.js';

const labels = { inputs: ['a', 'b'], outputs: ['A', 'B'] };

/**
 * [2, 3, 3, 2], all weights zero but: two chains in0 -> h1[0] -> h2[0] -> out0 and
 * in1 -> h1[1] -> h2[1] -> out1; a dead end in0 -> h1[2] (no way out); h2[2] with no input but a
 * bias, feeding out0 (a constant); and a sub-threshold weight in1 -> h1[0] linking the chains.
 */
function handMade(): Network {
  const widths = [2, 3, 3, 2];
  const W = widths.slice(0, -1).map((n, l) => new Float32Array(n * widths[l + 1]));
  const set = (l: number, i: number, o: number, v: number) => (W[l][i * widths[l + 1] + o] = v);
  set(0, 0, 0, 1.5); set(1, 0, 0, 1.2); set(2, 0, 0, 0.9);
  set(0, 1, 1, -2); set(1, 1, 1, 2); set(2, 1, 1, 1.1);
  set(0, 0, 2, 0.7);
  set(2, 2, 0, 1.3);
  set(0, 1, 0, 0.005);
  const b = [new Float32Array([0.1, 0.2, 0.3]), new Float32Array([0.1, -0.2, 0.5]), new Float32Array([0.05, -0.05])];
  return mlpNetwork(mlp(widths), { weights: W, biases: b }, Int32Array.from([1, 0]), Int32Array.from([1, 0]));
}

function forward(net: Network, x: number[][]): number[][] {
  const m = BioModel.fromNetwork(net);
  const out = tf.tidy(() => m.forward(tf.tensor2d(x)).arraySync() as number[][]);
  m.dispose();
  return out;
}

describe('pruneNetwork', () => {
  const net = handMade();
  const { net: pruned, graph } = pruneNetwork(net, 0.01, labels);

  it('removes the dead end and the sub-threshold weight, keeps the two chains', () => {
    expect(graph.layers[1].map((n) => n.index)).toEqual([0, 1]);
    expect(graph.layers[2].map((n) => n.index)).toEqual([0, 1]);
    expect(graph.edges).toHaveLength(6);
    expect(weight(pruned, 0)[0 * 3 + 2]).toBe(0); // dead end
    expect(B(pruned, 0)[2]).toBe(0);
    expect(weight(pruned, 0)[1 * 3 + 0]).toBe(0); // below threshold
    expect(graph.weightsKept).toBe(6);
  });

  it('finds the two modules with the permuted labels', () => {
    // inPerm [1, 0]: position 0 holds input "b"; outPerm [1, 0]: position 0 produces "B".
    const modules = graph.modules.map((m) => ({ inputs: m.inputs, outputs: m.outputs })).sort((p, q) => p.inputs[0].localeCompare(q.inputs[0]));
    expect(modules).toEqual([
      { inputs: ['a'], outputs: ['A'] },
      { inputs: ['b'], outputs: ['B'] },
    ]);
  });

  it('keeps the function of the thresholded network (constants folded into biases), perms intact', () => {
    const thresholdedOnly = handMade();
    weight(thresholdedOnly, 0)[1 * 3 + 0] = 0;
    const x = [[0.3, -0.7], [1, 2], [-1.5, 0.2]];
    const want = forward(thresholdedOnly, x);
    const got = forward(pruned, x);
    for (let r = 0; r < x.length; r++) for (let c = 0; c < 2; c++) expect(got[r][c]).toBeCloseTo(want[r][c], 5);
    // The constant neuron h2[2] is gone, its contribution now sits in out0's bias.
    expect(weight(pruned, 2)[2 * 2 + 0]).toBe(0);
    expect(B(pruned, 2)[0]).toBeCloseTo(0.05 + 1.3 * (0.5 / (1 + Math.exp(-0.5))), 6);
    expect(Array.from(pruned.inPerm)).toEqual([1, 0]);
    expect(Array.from(pruned.outPerm)).toEqual([1, 0]);
    // The source network is untouched.
    expect(weight(net, 0)[2]).toBe(Math.fround(0.7));
  });
});
