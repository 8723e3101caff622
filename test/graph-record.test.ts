/**
 * The pruned graph's own numbers: the weights it keeps are exactly its edges (a weight above the
 * threshold into or out of a dead neuron is not kept), and a pruned graph records the threshold
 * it was pruned at.
 */
import { describe, expect, it } from 'vitest';
import { networkGraph } from '../src/bimt/graph.js';
import { pruneNetwork } from '../src/bimt/prune.js';
import type { Network } from '../src/model/network.js';
import { mlp, mlpNetwork } from './helpers.js';

const labels = { inputs: ['a', 'b'], outputs: ['A', 'B'] };

/**
 * [2, 3, 2]: in0 -> h[0] -> out0 alive; in1 -> h[1] with no way out (a dead end, weight 0.8);
 * h[2] with no input feeding out1 (a constant, weight 0.9). Both dead weights are far above 0.01.
 */
function withDeadEnds(): Network {
  const widths = [2, 3, 2];
  const w0 = new Float32Array(2 * 3);
  const w1 = new Float32Array(3 * 2);
  w0[0 * 3 + 0] = 1.5;
  w1[0 * 2 + 0] = 1.2;
  w0[1 * 3 + 1] = 0.8;
  w1[2 * 2 + 1] = 0.9;
  return mlpNetwork(
    mlp(widths),
    { weights: [w0, w1], biases: [new Float32Array([0.1, 0.2, 0.3]), new Float32Array([0, 0])] },
    Int32Array.from([0, 1]),
    Int32Array.from([0, 1]),
  );
}

describe('networkGraph', () => {
  it('keeps the weights of its edges only, and lists every layer width', () => {
    const g = networkGraph(withDeadEnds(), labels, 0.01);
    expect(g.edges.map((e) => [e.layer, e.from, e.to])).toEqual([
      [0, 0, 0],
      [1, 0, 0],
    ]);
    expect(g.weightsKept).toBe(2);
    expect(g.weightsTotal).toBe(12);
    expect(g.widths).toEqual([2, 3, 2]);
    expect(g.layers[1].map((n) => n.index)).toEqual([0]);
  });

  it('of a pruned network records the threshold it was pruned at, and agrees with the unpruned graph', () => {
    const net = withDeadEnds();
    const { graph } = pruneNetwork(net, 0.05, labels);
    expect(graph.threshold).toBe(0.05);
    const unpruned = networkGraph(net, labels, 0.05);
    expect(graph.weightsKept).toBe(unpruned.weightsKept);
    expect(graph.edges).toEqual(unpruned.edges);
  });
});
