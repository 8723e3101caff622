/**
 * A fresh BioMLP as PyTorch would make it (docs/DESIGN.md, "Model"): W and b uniform in
 * (-1/sqrt(fan_in), 1/sqrt(fan_in)), a token embedding N(0, 1), identity permutations.
 * Drawn on the host from a seeded generator so the same seed gives the same network on every
 * backend.
 */
import { Rng } from '../util/random.js';
import { lineGeometry } from './geometry.js';
import { inputPositions, numWeightLayers, type Architecture, type Network } from './network.js';

export function initNetwork(arch: Architecture, seed: number): Network {
  const rng = new Rng(seed, 'init');
  const weights: Float32Array[] = [];
  const biases: Float32Array[] = [];
  for (let l = 0; l < numWeightLayers(arch); l++) {
    const nIn = arch.widths[l];
    const nOut = arch.widths[l + 1];
    const bound = 1 / Math.sqrt(nIn);
    weights.push(Float32Array.from({ length: nIn * nOut }, () => rng.range(-bound, bound)));
    biases.push(Float32Array.from({ length: nOut }, () => rng.range(-bound, bound)));
  }
  const embedding = arch.embedding
    ? Float32Array.from({ length: arch.embedding.vocab * arch.embedding.dim }, () => rng.normal())
    : undefined;
  return {
    arch,
    geometry: lineGeometry(arch.widths, arch.inFold),
    params: { weights, biases, ...(embedding ? { embedding } : {}) },
    inPerm: identity(inputPositions(arch)),
    outPerm: identity(arch.widths[arch.widths.length - 1]),
  };
}

export function identity(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}
