/**
 * The one host-side representation of a BioMLP: architecture, neuron geometry, parameters and
 * the input/output permutations travel together. Relocation, pruning, graph snapshots,
 * checkpoints and plots all read and write this structure; the tfjs model (`BioModel`) is built
 * from it and written back into it.
 *
 * Layout: weight layer l maps neuron layer l to l+1 and is stored row-major as tfjs uses it,
 * shape [N_l, N_{l+1}] (row = input neuron), i.e. W_l[i * N_{l+1} + o]. Checkpoints transpose to
 * PyTorch's [out, in] (see src/runs/checkpoint.ts).
 */
import type { Geometry } from './geometry.js';

/** Shape of a BioMLP. widths[0] is the input width (after the embedding, if any). */
export interface Architecture {
  /** Neurons per layer, input first: [N_0, ..., N_L]. */
  readonly widths: readonly number[];
  /** Fold of the input layer: N_0 = inFold * (positions per fold). Hidden/output folds are 1. */
  readonly inFold: number;
  /** Token embedding shared by every fold: vocab rows of (N_0 / inFold) values. */
  readonly embedding?: { readonly vocab: number; readonly dim: number };
}

/** Trainable tensors, one entry per weight layer (plus the optional embedding). */
export interface Params {
  /** weights[l]: Float32Array of N_l * N_{l+1}, row-major [in, out]. */
  readonly weights: Float32Array[];
  /** biases[l]: Float32Array of N_{l+1}. */
  readonly biases: Float32Array[];
  /** Embedding [vocab, dim] row-major, present iff the architecture has one. */
  readonly embedding?: Float32Array;
}

export interface Network {
  readonly arch: Architecture;
  readonly geometry: Geometry;
  readonly params: Params;
  /** Input position j (within a fold) reads original feature / embedding dimension inPerm[j]. */
  readonly inPerm: Int32Array;
  /** Output position q produces original output outPerm[q]. */
  readonly outPerm: Int32Array;
}

/** Number of weight layers L. */
export function numWeightLayers(arch: Architecture): number {
  return arch.widths.length - 1;
}

/** Positions per fold of the input layer, the length of inPerm. */
export function inputPositions(arch: Architecture): number {
  return arch.widths[0] / arch.inFold;
}

/** Deep copy, so algorithms that mutate (relocate, prune) can be run on a scratch network. */
export function cloneNetwork(net: Network): Network {
  return {
    arch: net.arch,
    geometry: net.geometry,
    params: cloneParams(net.params),
    inPerm: net.inPerm.slice(),
    outPerm: net.outPerm.slice(),
  };
}

export function cloneParams(p: Params): Params {
  return {
    weights: p.weights.map((w) => w.slice()),
    biases: p.biases.map((b) => b.slice()),
    ...(p.embedding ? { embedding: p.embedding.slice() } : {}),
  };
}

/**
 * Arrays in one fixed order, weights, biases, embedding (the order of `BioModel.variables()` and
 * of the workers engine's shared buffers), viewed as Params.
 */
export function paramsFromList(arch: Architecture, list: readonly Float32Array[]): Params {
  const L = arch.widths.length - 1;
  return {
    weights: list.slice(0, L),
    biases: list.slice(L, 2 * L),
    ...(arch.embedding ? { embedding: list[2 * L] } : {}),
  };
}

/** The inverse of `paramsFromList`. */
export function listFromParams(p: Params): Float32Array[] {
  return [...p.weights, ...p.biases, ...(p.embedding ? [p.embedding] : [])];
}
