/**
 * Swapping two positions of one neuron layer (docs/design.md, "Neuron swapping"): exchanges every
 * slice of every tensor the model graph lists for that layer (incoming and outgoing weights in
 * each fold, biases, LayerNorm parameters; for a residual stream, every matrix that reads or
 * writes it), and the permutation entries at the input or output layer. The network's function
 * is unchanged.
 */
import { layerOf, tensorOf, type ModelGraph, type Params } from '../model/model-graph.js';
import type { Network } from '../model/network.js';

/** Positions a and b of the neuron layer named `layer` (at a folded layer: positions within a fold). */
export interface Swap {
  readonly layer: string;
  readonly a: number;
  readonly b: number;
}

/**
 * Applies a swap to parameter-shaped arrays in place. Used for the weights themselves and for
 * anything laid out like them (Adam's moments), so that both move together.
 */
export function swapParams(p: Params, g: ModelGraph, s: Swap): void {
  if (s.a === s.b) return;
  const size = layerOf(g, s.layer).size;
  for (const inc of g.incidence.get(s.layer)!) {
    const t = tensorOf(g, inc.tensor);
    const data = p.get(inc.tensor)!;
    const cols = t.shape.length === 2 ? t.shape[1]! : 1;
    for (let f = 0; f < inc.folds; f++) {
      const ia = f * size + s.a;
      const ib = f * size + s.b;
      if (inc.axis === 1) {
        // Columns ia, ib of a [rows, cols] weight.
        for (let r = 0, rows = t.shape[0]; r < rows; r++) swapEntries(data, r * cols + ia, r * cols + ib);
      } else {
        // Rows ia, ib (entries of a vector).
        for (let o = 0; o < cols; o++) swapEntries(data, ia * cols + o, ib * cols + o);
      }
    }
  }
}

/** Applies a swap to a whole network: parameters and the input/output permutations. */
export function applySwap(net: Network, s: Swap): void {
  swapParams(net.params, net.graph, s);
  const role = layerOf(net.graph, s.layer).role;
  if (role === 'input') swapEntries(net.inPerm, s.a, s.b);
  if (role === 'output') swapEntries(net.outPerm, s.a, s.b);
}

function swapEntries(a: Float32Array | Int32Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}
