/** Weights uniform in [-1, 1] for relocation timing (a fresh init has them in a narrow band). */
import { weightSpecs } from '../model/model-graph.js';
import type { Network } from '../model/network.js';
import { Rng } from '../util/random.js';

export function randomWeights(net: Network, seed: number): void {
  const rng = new Rng(seed, 'bench');
  for (const { name } of weightSpecs(net.graph)) {
    const w = net.params.get(name)!;
    for (let i = 0; i < w.length; i++) w[i] = rng.range(-1, 1);
  }
}
