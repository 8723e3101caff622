/**
 * Pruning (docs/design.md, "Pruning, graph and modules"): zero every weight and bias with
 * |value| <= threshold, then take out the neurons that can no longer matter, keeping the
 * network's function. It walks the model graph's stages (docs/design.md, "Model graph"):
 *
 * - a neuron that no surviving path reaches from an input computes a constant; the constant is
 *   folded into the biases of what reads it before the neuron is removed (dropping it outright
 *   would change the outputs). Through a residual connection it goes into the bias of the
 *   weight that writes the same stream position; out of an attention position it is that
 *   position's value (v: the attention weights of each query sum to 1);
 * - a neuron with no surviving path to an output cannot affect anything and is removed.
 *
 * "Removed" means the slices of its stage (incoming weights and bias, outgoing weights) are
 * zeroed; shapes stay, so the pruned network is still a checkpoint of the same architecture and
 * the graph code sees it as dead. Permutations are never thresholded; the embedding, under the
 * same l0 penalty, is thresholded too, LayerNorm gains are not. With LayerNorms applied every
 * stream position feeds every other one's statistics, so only thresholding is done.
 */
import { layerOf, stageWidth, tensorOf, type ModelGraph } from '../model/model-graph.js';
import { definitionOf } from '../model/architectures/registry.js';
import { cloneNetwork, type Network } from '../model/network.js';
import { activationOf } from '../model/ops/activations.js';
import { edgeScore, forEachWeight, networkGraph, reachableMasks, WEIGHT_SCORE, type EdgeScore, type Labels, type NetworkGraph } from './graph.js';

export interface PruneResult {
  readonly net: Network;
  readonly graph: NetworkGraph;
}

/**
 * Prunes at `threshold` on `score`: the links' weights go where their score is <= threshold
 * (docs/design.md, "Attribution"); biases and the embedding, which read no neuron, where
 * |value| is.
 */
export function pruneNetwork(source: Network, threshold: number, labels: Labels, score: EdgeScore = WEIGHT_SCORE): PruneResult {
  const net = cloneNetwork(source);
  const g = net.graph;
  const scored = new Set(score.kind === 'weight' ? [] : g.links.flatMap((l) => (l.weight ? [l.weight] : [])));
  for (const t of g.tensors) {
    if (t.kind === 'norm' || scored.has(t.name)) continue;
    const a = net.params.get(t.name)!;
    for (let i = 0; i < a.length; i++) if (Math.abs(a[i]) <= threshold) a[i] = 0;
  }
  g.links.forEach((l, k) => {
    if (!l.weight || !scored.has(l.weight)) return;
    const w = net.params.get(l.weight)!;
    forEachWeight(net, k, (i, _o, v, entry) => {
      if (edgeScore(g, score, k, i, v) <= threshold) w[entry] = 0;
    });
  });
  if (!definitionOf(g.arch).foldsConstants(g.arch)) return { net, graph: networkGraph(net, labels, threshold, score) };

  // Reachability over the non-zero weights; folding below changes only biases, so it holds after.
  const { fromInput, toOutput } = reachableMasks(net, 0);
  const last = g.stages.length - 1;
  const bias = (s: number) => biasInto(g, s);
  const constant = g.stages.map((_, s) => new Float64Array(stageWidth(g, s)));
  for (let s = 1; s < last; s++) {
    const layer = layerOf(g, g.stages[s]!.layer);
    const into = g.links.map((l, k) => ({ ...l, k })).filter((l) => l.to === s);
    for (let j = 0; j < constant[s]!.length; j++) {
      if (fromInput[s]![j]) continue;
      // Its inputs are all constants (a reachable input with a weight would make it reachable).
      let value = 0;
      for (const l of into) {
        if (!l.weight) {
          value += constant[l.from]![j]!;
          continue;
        }
        // Attention passes on v, the third fold; other layers have one fold.
        const fold = layer.activation === 'attention' ? 2 : 0;
        const col = fold * layer.size + j;
        const b = net.params.get(bias(s)!)!;
        let pre = b[col]!;
        const w = net.params.get(l.weight)!;
        const cols = tensorOf(g, l.weight).shape[1]!;
        const src = constant[l.from]!;
        if (l.from > 0) for (let i = 0; i < src.length; i++) pre += src[i]! * w[i * cols + col]!;
        // The formula every engine shares (model/ops/activations.ts).
        value += activationOf(layer.activation)(pre);
      }
      constant[s]![j] = value;
      const c = value;
      for (const l of g.links) {
        if (l.from !== s) continue;
        const reached = (o: number) => l.to === last || fromInput[l.to]![o] === 1;
        if (!l.weight) {
          // The next residual point's value is this constant plus its weight's output.
          if (reached(j)) net.params.get(bias(l.to)!)![j] += c;
          continue;
        }
        const w = net.params.get(l.weight)!;
        const b = net.params.get(biasOf(g, l.weight))!;
        const cols = tensorOf(g, l.weight).shape[1]!;
        const nTo = stageWidth(g, l.to);
        for (let col = 0; col < cols; col++) {
          const wv = w[j * cols + col]!;
          if (wv !== 0 && reached(col % nTo)) b[col] += wv * c;
        }
      }
    }
  }
  // Now every hidden neuron that is not on an input-to-output path goes.
  for (let s = 1; s < last; s++) {
    for (let j = 0; j < constant[s]!.length; j++) {
      if (fromInput[s]![j] === 1 && toOutput[s]![j] === 1) continue;
      removeNeuron(net, s, j);
    }
  }
  // Every weight left scores above the threshold, so the graph at it is the graph of what
  // survived; it records the threshold and score the network was pruned at.
  return { net, graph: networkGraph(net, labels, threshold, score) };
}

/** Zeroes neuron j of stage s: its incoming weights and bias (every fold), its outgoing weights. */
function removeNeuron(net: Network, s: number, j: number): void {
  const g = net.graph;
  g.links.forEach((l, k) => {
    if (!l.weight || (l.from !== s && l.to !== s)) return;
    const w = net.params.get(l.weight)!;
    const b = net.params.get(biasOf(g, l.weight))!;
    forEachWeight(net, k, (i, o, _v, entry) => {
      if (l.from === s && i === j) w[entry] = 0;
      if (l.to === s && o === j) {
        w[entry] = 0;
        b[entry % b.length] = 0;
      }
    });
  });
}

/** The bias of the weight that writes stage s (a residual point's only weight input). */
function biasInto(g: ModelGraph, s: number): string | undefined {
  const l = g.links.find((x) => x.to === s && x.weight);
  return l ? biasOf(g, l.weight!) : undefined;
}

function biasOf(g: ModelGraph, weight: string): string {
  const t = tensorOf(g, weight);
  if (t.kind !== 'weight') throw new Error(`${weight} is not a weight`);
  return t.bias;
}
