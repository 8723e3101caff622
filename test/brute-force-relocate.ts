// The brute-force swap search of an MLP, as the reference does it (the whole cost recomputed for
// every candidate), which test/relocate.test.ts and test/geometry-2d.test.ts hold relocate() to.
import { applySwap, type Swap } from '../src/bimt/swap.js';
import { connectionCost, type CostCoefficients } from '../src/model/connection-cost.js';
import { cloneNetwork, type MlpArchitecture, type Network } from '../src/model/network.js';
import { mlpArch, W } from './helpers.js';

/** The name of an MLP's neuron layer l: input, hidden1 ... hidden<L-1>, output. */
export function layerName(arch: MlpArchitecture, l: number): string {
  return l === 0 ? 'input' : l === arch.widths.length - 1 ? 'output' : `hidden${l}`;
}

/** Positions that can be swapped in neuron layer l: per fold at the input, else the width. */
export function swappablePositions(arch: MlpArchitecture, l: number): number {
  return l === 0 ? arch.widths[0] / arch.inFold : arch.widths[l];
}

/** The reference's search: full cost for every candidate, first minimum wins. */
export function bruteForceRelocate(net: Network, coef: CostCoefficients, topK: number, swapInputs: boolean): Swap[] {
  const swaps: Swap[] = [];
  const arch = mlpArch(net);
  const L = arch.widths.length - 1;
  for (let l = swapInputs ? 0 : 1; l <= L; l++) {
    const layer = layerName(arch, l);
    const n = swappablePositions(arch, l);
    const score = Array.from({ length: n }, (_, j) => neuronScore(net, l, j));
    const top = Array.from({ length: n }, (_, j) => j)
      .sort((a, b) => score[b] - score[a] || a - b)
      .slice(0, topK);
    for (const j of top) {
      let best = -1;
      let bestCost = Infinity;
      for (let k = 0; k < n; k++) {
        const trial = cloneNetwork(net);
        applySwap(trial, { layer, a: j, b: k });
        const c = connectionCost(trial.params, coef, true);
        // Recomputing the whole cost adds rounding noise of ~1e-16 relative; candidates within
        // that are exact ties (e.g. every output swap under no_penalize_last), lowest k wins.
        if (best < 0 || c < bestCost - 1e-12 * Math.abs(bestCost)) {
          best = k;
          bestCost = c;
        }
      }
      if (best !== j) {
        applySwap(net, { layer, a: j, b: best });
        swaps.push({ layer, a: j, b: best });
      }
    }
  }
  return swaps;
}

/** |incoming| + |outgoing| of position j, outgoing summed over every fold copy. */
export function neuronScore(net: Network, layer: number, j: number): number {
  const { widths, inFold } = mlpArch(net);
  let s = 0;
  if (layer > 0) for (let i = 0; i < widths[layer - 1]; i++) s += Math.abs(W(net, layer - 1)[i * widths[layer] + j]);
  if (layer < widths.length - 1) {
    const folds = layer === 0 ? inFold : 1;
    const nf = widths[layer] / folds;
    for (let f = 0; f < folds; f++) {
      for (let o = 0; o < widths[layer + 1]; o++) s += Math.abs(W(net, layer)[(f * nf + j) * widths[layer + 1] + o]);
    }
  }
  return s;
}
