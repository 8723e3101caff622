/**
 * The one host-side representation of a network: its model graph (architecture, neuron layers,
 * tensors and incidences: src/model/model-graph.ts), its parameters by name and the input/output
 * permutations, travelling together. Relocation, pruning, graph snapshots, checkpoints and plots
 * all read and write this structure; the engines are built from it and written back into it.
 */
import { BimtError } from '../errors.js';
import { inputLayer, modelGraph, numel, weightSpecs, type Architecture, type MlpArchitecture, type ModelGraph, type Params } from './model-graph.js';

export type { Architecture, MlpArchitecture, TransformerArchitecture, Params } from './model-graph.js';

export interface Network {
  readonly graph: ModelGraph;
  readonly params: Params;
  /** Input position j reads original feature / embedding dimension inPerm[j]. */
  readonly inPerm: Int32Array;
  /** Output position q produces original output outPerm[q]. */
  readonly outPerm: Int32Array;
}

/** Positions of the input layer (per fold), the length of inPerm. */
export function inputPositions(arch: Architecture): number {
  return inputLayer(modelGraph(arch)).size;
}

/** Deep copy, so algorithms that mutate (relocate, prune) can be run on a scratch network. */
export function cloneNetwork(net: Network): Network {
  return { graph: net.graph, params: cloneParams(net.params), inPerm: net.inPerm.slice(), outPerm: net.outPerm.slice() };
}

export function cloneParams(p: Params): Params {
  return new Map([...p].map(([k, v]) => [k, v.slice()]));
}

/** Zeroed arrays shaped like a graph's parameters (Adam's fresh moments). */
export function zeroParams(g: ModelGraph): Params {
  return new Map(g.tensors.map((t) => [t.name, new Float32Array(numel(t))]));
}

/** The arrays of `list`, in the graph's canonical order, as Params (the inverse of `listFromParams`). */
export function paramsFromList(g: ModelGraph, list: readonly Float32Array[]): Params {
  if (list.length !== g.tensors.length) throw new RangeError(`${list.length} arrays for ${g.tensors.length} tensors`);
  return new Map(g.tensors.map((t, i) => [t.name, list[i]!]));
}

/** The parameters in the graph's canonical order (tfjs variables, worker buffers, Adam). */
export function listFromParams(g: ModelGraph, p: Params): Float32Array[] {
  return g.tensors.map((t) => tensor(p, t.name));
}

/** A tensor by name; a missing one is a programming error. */
export function tensor(p: Params, name: string): Float32Array {
  const a = p.get(name);
  if (!a) throw new RangeError(`no parameter ${name}`);
  return a;
}

/**
 * An MLP network seen as its chain of weight layers: widths (input counted with its folds) and,
 * per weight layer l (neuron layer l to l + 1), its weight [N_l, N_{l+1}] and bias. For the code
 * that is written for chains only (pruning's constant folding, the graph snapshot and its
 * drawing, for now); a transformer is refused here, by name.
 */
export interface MlpChain {
  readonly arch: MlpArchitecture;
  readonly widths: readonly number[];
  readonly weights: readonly Float32Array[];
  readonly biases: readonly Float32Array[];
}

export function mlpChain(net: Network): MlpChain {
  const arch = net.graph.arch;
  if (arch.kind !== 'mlp') throw new BimtError('this operation is not available for transformers yet');
  // An MLP's weights in canonical order are its chain, input first.
  const linears = weightSpecs(net.graph);
  const weights = linears.map((w) => tensor(net.params, w.name));
  const biases = linears.map((w) => tensor(net.params, w.bias));
  return { arch, widths: arch.widths, weights, biases };
}
