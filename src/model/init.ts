/**
 * A fresh network as PyTorch would make it (docs/design.md, "Model"): every BioLinear's W and b
 * uniform in (-1/sqrt(fan_in), 1/sqrt(fan_in)), a token embedding N(0, 1), LayerNorm gains 1 and
 * biases 0, identity permutations. Drawn on the host from a seeded generator, tensor by tensor in
 * the graph's canonical order, so the same seed gives the same network on every backend.
 */
import { Rng } from '../util/random.js';
import { inputLayer, numel, outputLayer, weightSpecs, type Architecture } from './model-graph.js';
import { modelGraph } from './architectures/registry.js';
import type { Network } from './network.js';

export function initNetwork(arch: Architecture, seed: number): Network {
  const rng = new Rng(seed, 'init');
  const graph = modelGraph(arch);
  const fanIn = new Map<string, number>();
  for (const w of weightSpecs(graph)) fanIn.set(w.name, w.shape[0]).set(w.bias, w.shape[0]);
  const params = new Map<string, Float32Array>();
  for (const t of graph.tensors) {
    const n = numel(t);
    if (t.kind === 'embedding') params.set(t.name, Float32Array.from({ length: n }, () => rng.normal()));
    else if (t.kind === 'norm') params.set(t.name, new Float32Array(n).fill(t.init));
    else {
      const bound = 1 / Math.sqrt(fanIn.get(t.name)!);
      params.set(t.name, Float32Array.from({ length: n }, () => rng.range(-bound, bound)));
    }
  }
  return { graph, params, inPerm: identity(inputLayer(graph).size), outPerm: identity(outputLayer(graph).size) };
}

export function identity(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}
