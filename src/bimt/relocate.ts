/**
 * Neuron relocation, the swap search of BIMT (docs/DESIGN.md, "Neuron swapping"). For each neuron
 * layer in order, the top_k positions by |weight| score each try a swap with every position of
 * the layer and keep the one that lowers the connection cost most (lowest index on ties).
 *
 * The reference recomputes the whole cost for every candidate. Only the terms of the weights
 * attached to the two neurons change, so `swapDelta` computes the change in
 * O(fan_in + fan_out) per candidate, from the same coefficients as the training cost.
 */
import type { CostCoefficients } from '../model/connection-cost.js';
import { numWeightLayers, type Network } from '../model/network.js';
import { applySwap, swappablePositions, type Swap } from './swap.js';

export interface RelocateOptions {
  readonly topK: number;
  /** Whether input positions may move (MNIST keeps pixels in place). */
  readonly swapInputs: boolean;
}

/**
 * Runs one relocation pass over every layer, mutating `net`, and returns the swaps made (a != b)
 * in the order applied: replaying them with `swapParams` moves anything laid out like the
 * parameters (optimizer moments) the same way.
 */
export function relocate(net: Network, coef: CostCoefficients, opts: RelocateOptions): Swap[] {
  const swaps: Swap[] = [];
  for (let layer = opts.swapInputs ? 0 : 1; layer <= numWeightLayers(net.arch); layer++) {
    for (const j of topPositions(net, layer, opts.topK)) {
      const k = bestPartner(net, coef, layer, j);
      if (k !== j) {
        const s = { layer, a: j, b: k };
        applySwap(net, s);
        swaps.push(s);
      }
    }
  }
  return swaps;
}

/** The position k minimising the cost after swapping j and k (k = j: no swap); lowest k on ties. */
export function bestPartner(net: Network, coef: CostCoefficients, layer: number, j: number): number {
  let best = -1;
  let bestDelta = Infinity;
  for (let k = 0, n = swappablePositions(net.arch, layer); k < n; k++) {
    const d = k === j ? 0 : swapDelta(net, coef, layer, j, k);
    if (d < bestDelta) {
      best = k;
      bestDelta = d;
    }
  }
  return best;
}

/**
 * Change of the connection cost if positions j and k of neuron layer `layer` were swapped.
 * With |W| the weights and C their coefficients, a weight moving from column j to k changes its
 * term from |w| C[., j] to |w| C[., k]; summing both directions gives
 * sum (|W[., k]| - |W[., j]|) (C[., j] - C[., k]). Biases and the embedding never change cost.
 */
export function swapDelta(net: Network, coef: CostCoefficients, layer: number, j: number, k: number): number {
  const { arch, params } = net;
  let delta = 0;
  if (layer > 0) {
    const w = params.weights[layer - 1];
    const c = coef.weights[layer - 1];
    const nOut = arch.widths[layer];
    for (let r = 0, nIn = arch.widths[layer - 1]; r < nIn; r++) {
      const ij = r * nOut + j;
      const ik = r * nOut + k;
      delta += (Math.abs(w[ik]) - Math.abs(w[ij])) * (c[ij] - c[ik]);
    }
  }
  if (layer < numWeightLayers(arch)) {
    const w = params.weights[layer];
    const c = coef.weights[layer];
    const nOut = arch.widths[layer + 1];
    const folds = layer === 0 ? arch.inFold : 1;
    const nf = swappablePositions(arch, layer);
    for (let f = 0; f < folds; f++) {
      const rj = (f * nf + j) * nOut;
      const rk = (f * nf + k) * nOut;
      for (let o = 0; o < nOut; o++) delta += (Math.abs(w[rk + o]) - Math.abs(w[rj + o])) * (c[rj + o] - c[rk + o]);
    }
  }
  return delta;
}

/**
 * The top_k positions of a layer by score, highest first (ties: lower position first). Score:
 * sum of |incoming| plus |outgoing| weights (outgoing summed over folds at the input); biases do
 * not count. Computed once per layer, as the reference does.
 */
export function topPositions(net: Network, layer: number, topK: number): number[] {
  const { arch, params } = net;
  const n = swappablePositions(arch, layer);
  const score = new Float64Array(n);
  if (layer > 0) {
    const w = params.weights[layer - 1];
    const nOut = arch.widths[layer];
    for (let r = 0; r < arch.widths[layer - 1]; r++) for (let j = 0; j < n; j++) score[j] += Math.abs(w[r * nOut + j]);
  }
  if (layer < numWeightLayers(arch)) {
    const w = params.weights[layer];
    const nOut = arch.widths[layer + 1];
    const folds = layer === 0 ? arch.inFold : 1;
    for (let f = 0; f < folds; f++) {
      for (let j = 0; j < n; j++) {
        const row = (f * n + j) * nOut;
        for (let o = 0; o < nOut; o++) score[j] += Math.abs(w[row + o]);
      }
    }
  }
  const order = Array.from({ length: n }, (_, j) => j);
  order.sort((a, b) => score[b] - score[a] || a - b);
  return order.slice(0, Math.min(topK, n));
}
