/**
 * The one host-side representation of a network: its model graph (architecture, neuron layers,
 * tensors and incidences: src/model/model-graph.ts), its parameters by name and the input/output
 * permutations, travelling together. Relocation, pruning, graph snapshots, checkpoints and plots
 * all read and write this structure; the engines are built from it and written back into it.
 */
import { BimtError } from '../errors.js';
import { embeddingOf, inputLayer, numel, type Architecture, type MlpArchitecture, type ModelGraph, type Params } from './model-graph.js';
import { graphOfKind, modelGraph } from './architectures/registry.js';

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
 * The architecture of a network that must be an MLP: for what only MLPs have (a host MLP pass
 * for per-output losses, a token embedding's pictures). A transformer is refused by name.
 */
export function mlpArchitecture(net: Network, what: string): MlpArchitecture {
  const graph = graphOfKind(net.graph, 'mlp');
  if (!graph) throw new BimtError(`${what} is for MLPs; this network is a transformer`);
  return graph.arch;
}

/** A network's token embedding table [vocab, dim] row-major, for `what` (a picture), which needs one. */
export function embeddingTable(net: Network, what: string): { readonly table: Float32Array; readonly vocab: number; readonly dim: number } {
  const e = embeddingOf(net.graph);
  if (!e) throw new BimtError(`${what} needs a token embedding, and this network has none`);
  return { table: tensor(net.params, e.name), vocab: e.vocab, dim: e.dim };
}
