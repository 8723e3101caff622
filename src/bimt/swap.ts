/**
 * Swapping two neurons of one layer (docs/DESIGN.md, "Neuron swapping"): exchanges their incoming
 * weights and biases and their outgoing weights (in every fold at the input layer), and the
 * permutation entries at the input or output layer. The network's function is unchanged.
 */
import { inputPositions, numWeightLayers, type Architecture, type Network, type Params } from '../model/network.js';

/** Neuron layer `layer` (0 = input), positions a and b; at the input layer, positions within a fold. */
export interface Swap {
  readonly layer: number;
  readonly a: number;
  readonly b: number;
}

/** Positions that can be swapped in a neuron layer: per fold at the input, else the width. */
export function swappablePositions(arch: Architecture, layer: number): number {
  return layer === 0 ? inputPositions(arch) : arch.widths[layer];
}

/**
 * Applies a swap to parameter-shaped arrays in place. Used for the weights themselves and for
 * anything laid out like them (Adam's moments), so that both move together.
 */
export function swapParams(p: Params, arch: Architecture, s: Swap): void {
  if (s.a === s.b) return;
  const L = numWeightLayers(arch);
  if (s.layer > 0) {
    // Incoming: columns a, b of W_{layer-1} ([in, out] layout) and entries of b_{layer-1}.
    const w = p.weights[s.layer - 1];
    const nOut = arch.widths[s.layer];
    for (let r = 0; r < arch.widths[s.layer - 1]; r++) swapEntries(w, r * nOut + s.a, r * nOut + s.b);
    swapEntries(p.biases[s.layer - 1], s.a, s.b);
  }
  if (s.layer < L) {
    // Outgoing: rows a, b of W_layer, in every fold copy at the input layer.
    const w = p.weights[s.layer];
    const nOut = arch.widths[s.layer + 1];
    const folds = s.layer === 0 ? arch.inFold : 1;
    const nf = swappablePositions(arch, s.layer);
    for (let f = 0; f < folds; f++) {
      const ra = (f * nf + s.a) * nOut;
      const rb = (f * nf + s.b) * nOut;
      for (let o = 0; o < nOut; o++) swapEntries(w, ra + o, rb + o);
    }
  }
}

/** Applies a swap to a whole network: parameters and the input/output permutations. */
export function applySwap(net: Network, s: Swap): void {
  swapParams(net.params, net.arch, s);
  if (s.layer === 0) swapEntries(net.inPerm, s.a, s.b);
  if (s.layer === numWeightLayers(net.arch)) swapEntries(net.outPerm, s.a, s.b);
}

function swapEntries(a: Float32Array | Int32Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}
