/**
 * Neuron relocation, the swap search of BIMT (docs/design.md, "Neuron swapping"). For each neuron
 * layer in the model graph's relocation order, the top_k positions by |weight| score each try a
 * swap with every position of their layer (of their head, in a layer with several heads) and keep
 * the one that lowers the connection cost most (lowest index on ties). A layer with several heads
 * first does the same with whole heads.
 *
 * The reference recomputes the whole cost for every candidate. Only the terms of the weights
 * attached to the two positions change, so `swapDelta` computes the change in
 * O(fan_in + fan_out) per candidate, from the same coefficients as the training cost.
 */
import type { CostCoefficients } from '../model/connection-cost.js';
import { layerOf, tensorOf, type NeuronLayer } from '../model/model-graph.js';
import type { Network } from '../model/network.js';
import { applySwap, type Swap } from './swap.js';

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
  const swap = (s: Swap) => {
    applySwap(net, s);
    swaps.push(s);
  };
  for (const name of net.graph.relocationOrder) {
    const layer = layerOf(net.graph, name);
    if (layer.role === 'input' && !opts.swapInputs) continue;
    const view = layerView(net, coef, name);
    const hd = layer.size / layer.heads;
    if (layer.heads > 1) {
      for (const j of topUnits(headScores(view.scores(), layer), opts.topK)) {
        const k = bestHead(view, layer, j);
        for (let i = 0; i < hd && k !== j; i++) swap({ layer: name, a: j * hd + i, b: k * hd + i });
      }
    }
    const score = view.scores();
    for (let h = 0; h < layer.heads; h++) {
      const start = h * hd;
      for (const j of topUnits(score.subarray(start, start + hd), opts.topK)) {
        const k = bestPartner(view, start + j, start, start + hd);
        if (k !== start + j) swap({ layer: name, a: start + j, b: k });
      }
    }
  }
  return swaps;
}

/** One layer's weight slices, read in place (swaps made through the network show up at once). */
export interface LayerView {
  /** Change of the cost if positions j and k were swapped. */
  delta(j: number, k: number): number;
  /** Per position: |incoming| plus |outgoing| weights, each incidence averaged over its folds. */
  scores(): Float64Array;
}

export function layerView(net: Network, coef: CostCoefficients, layerName: string): LayerView {
  const { graph, params } = net;
  const size = layerOf(graph, layerName).size;
  const slices = graph.incidence
    .get(layerName)!
    .flatMap((inc) => {
      const t = tensorOf(graph, inc.tensor);
      if (t.kind !== 'weight') return [];
      const tc = coef.get(t.name);
      return [{ ...inc, w: params.get(t.name)!, c: tc?.kind === 'entries' ? tc.c : undefined, rows: t.shape[0], cols: t.shape[1] }];
    });
  return {
    /**
     * With |W| the weights and C their coefficients, a weight moving from slice j to k changes its
     * term from |w| C[j] to |w| C[k]; summing both directions gives
     * sum (|W[k]| - |W[j]|) (C[j] - C[k]). Biases, LayerNorms and the embedding never change cost.
     */
    delta(j: number, k: number): number {
      let delta = 0;
      for (const s of slices) {
        const { w, c, rows, cols } = s;
        if (!c) continue;
        for (let f = 0; f < s.folds; f++) {
          const pj = f * size + j;
          const pk = f * size + k;
          if (s.axis === 1) {
            for (let r = 0; r < rows; r++) {
              const ij = r * cols + pj;
              const ik = r * cols + pk;
              delta += (Math.abs(w[ik]) - Math.abs(w[ij])) * (c[ij] - c[ik]);
            }
          } else {
            const rj = pj * cols;
            const rk = pk * cols;
            for (let o = 0; o < cols; o++) delta += (Math.abs(w[rk + o]) - Math.abs(w[rj + o])) * (c[rj + o] - c[rk + o]);
          }
        }
      }
      return delta;
    },
    scores(): Float64Array {
      const score = new Float64Array(size);
      const part = new Float64Array(size);
      for (const { w, rows, cols, axis, folds } of slices) {
        // Unfolded slices add straight into the score (the summation order of the reference's
        // scores); folded ones are summed apart and averaged over their folds.
        const acc = folds === 1 ? score : part.fill(0);
        for (let f = 0; f < folds; f++) {
          if (axis === 1) {
            for (let r = 0; r < rows; r++) for (let j = 0; j < size; j++) acc[j] += Math.abs(w[r * cols + f * size + j]);
          } else {
            for (let j = 0; j < size; j++) {
              const row = (f * size + j) * cols;
              for (let o = 0; o < cols; o++) acc[j] += Math.abs(w[row + o]);
            }
          }
        }
        if (folds !== 1) for (let j = 0; j < size; j++) score[j] += part[j] / folds;
      }
      return score;
    },
  };
}

/** The position k in [from, to) minimising the cost after swapping j and k (k = j: no swap); lowest k on ties. */
export function bestPartner(view: LayerView, j: number, from: number, to: number): number {
  let best = -1;
  let bestDelta = Infinity;
  for (let k = from; k < to; k++) {
    const d = k === j ? 0 : view.delta(j, k);
    if (d < bestDelta) {
      best = k;
      bestDelta = d;
    }
  }
  return best;
}

/** The head k minimising the cost after swapping heads j and k whole (k = j: no swap); lowest k on ties. */
function bestHead(view: LayerView, layer: NeuronLayer, j: number): number {
  const hd = layer.size / layer.heads;
  let best = -1;
  let bestDelta = Infinity;
  for (let k = 0; k < layer.heads; k++) {
    // The position swaps of a head swap touch disjoint slices, so their deltas add up exactly.
    let d = 0;
    for (let i = 0; k !== j && i < hd; i++) d += view.delta(j * hd + i, k * hd + i);
    if (d < bestDelta) {
      best = k;
      bestDelta = d;
    }
  }
  return best;
}

/** A head's score: the mean of its positions' scores. */
function headScores(score: Float64Array, layer: NeuronLayer): Float64Array {
  const hd = layer.size / layer.heads;
  return Float64Array.from({ length: layer.heads }, (_, h) => score.subarray(h * hd, (h + 1) * hd).reduce((a, b) => a + b, 0) / hd);
}

/** The top_k units by score, highest first (ties: lower index first). Computed once per pass, as the reference does. */
export function topUnits(score: Float64Array, topK: number): number[] {
  const order = Array.from({ length: score.length }, (_, j) => j);
  order.sort((a, b) => score[b] - score[a] || a - b);
  return order.slice(0, Math.min(topK, score.length));
}

/** The top_k positions of a whole layer by score (see `topUnits`). */
export function topPositions(net: Network, coef: CostCoefficients, layer: string, topK: number): number[] {
  return topUnits(layerView(net, coef, layer).scores(), topK);
}

/** Change of the connection cost if positions j and k of the named layer were swapped. */
export function swapDelta(net: Network, coef: CostCoefficients, layer: string, j: number, k: number): number {
  return layerView(net, coef, layer).delta(j, k);
}
