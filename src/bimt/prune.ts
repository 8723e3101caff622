/**
 * Pruning (docs/DESIGN.md, "Pruning, graph and modules"): zero every weight and bias with |value| <= threshold, then take
 * out the neurons that can no longer matter, keeping the network's function:
 *
 * - a hidden neuron with no surviving path from an input outputs a constant; that constant is
 *   folded into the biases of the next layer before the neuron is removed (dropping it outright
 *   would change the outputs);
 * - a neuron with no surviving path to an output cannot affect anything and is removed.
 *
 * "Removed" means its weights and bias are zeroed; shapes stay, so the pruned network is still a
 * checkpoint of the same architecture and the graph code sees it as dead. Permutations are never
 * thresholded. The embedding, a parameter under the same l0 penalty, is thresholded too.
 */
import { cloneNetwork, mlpChain, type Network } from '../model/network.js';
import { networkGraph, reachableMasks, type Labels, type NetworkGraph } from './graph.js';

export interface PruneResult {
  readonly net: Network;
  readonly graph: NetworkGraph;
}

export function pruneNetwork(source: Network, threshold: number, labels: Labels): PruneResult {
  const net = cloneNetwork(source);
  const params = mlpChain(net);
  const arch = params.arch;
  const L = arch.widths.length - 1;
  const zeroSmall = (a: Float32Array) => {
    for (let i = 0; i < a.length; i++) if (Math.abs(a[i]) <= threshold) a[i] = 0;
  };
  // Every tensor under the cost (weights, biases, the embedding); LayerNorm gains are not.
  for (const t of net.graph.tensors) if (t.kind !== 'norm') zeroSmall(net.params.get(t.name)!);

  // Reachability over the non-zero weights; folding below changes only biases, so it holds after.
  const { fromInput, toOutput } = reachableMasks(net, 0);
  // Unreachable hidden neurons are constants: fold silu(pre-activation) into the next biases.
  // Their inputs are all constants too (a reachable input with a weight would make them reachable).
  const constant = arch.widths.map((w) => new Float64Array(w));
  for (let l = 1; l < L; l++) {
    const nIn = arch.widths[l - 1];
    const n = arch.widths[l];
    const nNext = arch.widths[l + 1];
    for (let j = 0; j < n; j++) {
      if (fromInput[l][j]) continue;
      let pre = params.biases[l - 1][j];
      if (l > 1) for (let i = 0; i < nIn; i++) pre += constant[l - 1][i] * params.weights[l - 1][i * n + j];
      const c = pre / (1 + Math.exp(-pre)); // SiLU
      constant[l][j] = c;
      for (let o = 0; o < nNext; o++) {
        const w = params.weights[l][j * nNext + o];
        if (w !== 0 && (l + 1 === L || fromInput[l + 1][o])) params.biases[l][o] += w * c;
      }
    }
  }
  // Now every hidden neuron that is not on an input-to-output path goes.
  const alive = (l: number, j: number) => fromInput[l][j] === 1 && toOutput[l][j] === 1;
  for (let l = 1; l < L; l++) {
    for (let j = 0; j < arch.widths[l]; j++) {
      if (alive(l, j)) continue;
      params.biases[l - 1][j] = 0;
      for (let i = 0; i < arch.widths[l - 1]; i++) params.weights[l - 1][i * arch.widths[l] + j] = 0;
      for (let o = 0; o < arch.widths[l + 1]; o++) params.weights[l][j * arch.widths[l + 1] + o] = 0;
    }
  }
  // Every weight left is above the threshold, so the graph at it is the graph of what survived;
  // it records the threshold the network was pruned at.
  return { net, graph: networkGraph(net, labels, threshold) };
}
