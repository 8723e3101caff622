/**
 * The model graph (docs/design.md, "Model graph"): the one description of a network that the
 * connection cost, the swap search, pruning, graph snapshots, checkpoints, plots and engines read.
 *
 * A model is a set of named neuron layers, each a row of positions with fixed coordinates, and a
 * list of named parameter tensors. For every neuron layer an incidence list says which slices of
 * which tensors each position touches: position j of a layer of `size` positions touches indices
 * f * size + j (f < folds) along one axis of each listed tensor. Swapping positions a and b of a
 * layer exchanges exactly those slices, so everything that moves with a neuron (incoming and
 * outgoing weights, biases, LayerNorm gains, all three folds of an attention projection, every
 * matrix reading or writing a residual stream) moves together, and the network's function is
 * unchanged.
 *
 * Weights are stored [in, out] row-major, as tfjs multiplies them (rows: positions of `from`,
 * columns: positions of `to`); checkpoints transpose to PyTorch's [out, in].
 */
import type { Architecture } from './architectures/kinds.js';
import { layerGeometry, type LayerGeometry, type LayerShape } from './geometry.js';

const LINE: LayerShape = { kind: 'line' };

export type { Architecture, ArchitectureKind, ArchitectureOf, MlpArchitecture, TransformerArchitecture } from './architectures/kinds.js';

/** What a position computes from its pre-activation; pruning folds constants only through elementwise ones. */
export type Activation = 'silu' | 'gelu' | 'identity' | 'attention';

export interface NeuronLayer {
  readonly name: string;
  readonly role: 'input' | 'hidden' | 'stream' | 'output';
  /** Positions (the swappable units' members). */
  readonly size: number;
  /** How the positions are laid out, as the config wrote it; `geometry` holds their coordinates. */
  readonly shape: LayerShape;
  readonly geometry: LayerGeometry;
  /** Swap groups: positions h * size / heads ... (h + 1) * size / heads - 1 form head h. */
  readonly heads: number;
  readonly activation: Activation;
}

export type TensorSpec =
  /** A BioLinear's weight, [rows, cols] = [fromFold * from.size, toFold * to.size]. */
  | {
      readonly kind: 'weight';
      readonly name: string;
      readonly shape: readonly [number, number];
      readonly from: string;
      readonly to: string;
      readonly fromFold: number;
      readonly toFold: number;
      /** The bias added to this weight's outputs. */
      readonly bias: string;
    }
  /** A BioLinear's bias, toFold * layer.size entries. */
  | { readonly kind: 'bias'; readonly name: string; readonly shape: readonly [number]; readonly layer: string; readonly fold: number }
  /** A token embedding [vocab, dim]; its columns are reached through the input permutation. */
  | { readonly kind: 'embedding'; readonly name: string; readonly shape: readonly [number, number] }
  /** A LayerNorm gain (init 1) or bias (init 0) over a layer's positions; not under the connection cost. */
  | { readonly kind: 'norm'; readonly name: string; readonly shape: readonly [number]; readonly layer: string; readonly init: 0 | 1 };

/** Position j of the layer touches indices f * size + j (f < folds) along `axis` of `tensor`. */
export interface Incidence {
  readonly tensor: string;
  readonly axis: 0 | 1;
  readonly folds: number;
}

/**
 * A row of the network drawing and of graph snapshots: one use of a neuron layer in the forward
 * pass (a residual stream appears once per residual point). `folds` > 1 draws fold copies as
 * separate neurons (an MLP's input: one copy per token).
 */
export interface Stage {
  readonly layer: string;
  readonly folds: number;
}

/**
 * How values flow from one stage to a later one: through a weight tensor, or (`weight` absent)
 * the residual stream's identity connection, position j to position j.
 */
export interface Link {
  readonly from: number;
  readonly to: number;
  readonly weight?: string;
}

/**
 * `A` narrows the architecture where code serves one kind (a BioModel's graph is
 * ModelGraph<MlpArchitecture>); src/model/architectures/registry.ts is where a graph is narrowed.
 */
export interface ModelGraph<A extends Architecture = Architecture> {
  readonly arch: A;
  /** Neuron layers, each once, in forward order of first use. */
  readonly layers: readonly NeuronLayer[];
  /** Parameter tensors in canonical order (checkpoints, engines, optimizer state). */
  readonly tensors: readonly TensorSpec[];
  /** Per layer name: the slices its positions touch, incoming weights before outgoing ones. */
  readonly incidence: ReadonlyMap<string, readonly Incidence[]>;
  /** The order in which relocation visits layers. */
  readonly relocationOrder: readonly string[];
  /** The forward pass as rows, input first, output last, in topological order. */
  readonly stages: readonly Stage[];
  /** Every weight tensor once and every residual connection, each from an earlier stage to a later one. */
  readonly links: readonly Link[];
}

/**
 * The names of a linear layer's weight and bias, or of a LayerNorm's gain and bias, as the graph
 * builder made them: forward passes read tensors through these handles, so no code outside the
 * builder spells a tensor name (a rename is a compile error, not a runtime "tensor missing").
 */
export interface TensorPair {
  readonly weight: string;
  readonly bias: string;
}

/** Trainable tensors by name, in the graph's canonical order: a state dict. */
export type Params = ReadonlyMap<string, Float32Array>;

/** Gradients by tensor name, shaped like `Params`, in float64. */
export type HostGrads = ReadonlyMap<string, Float64Array>;

/** Zeroed float64 gradient buffers for every tensor of a graph. */
export function gradsFor(g: ModelGraph): Map<string, Float64Array> {
  return new Map(g.tensors.map((t) => [t.name, new Float64Array(numel(t))]));
}

export function layerOf(g: ModelGraph, name: string): NeuronLayer {
  const l = g.layers.find((x) => x.name === name);
  if (!l) throw new RangeError(`no neuron layer ${name}`);
  return l;
}

/**
 * Neurons of stage s: its layer's positions times its drawn folds (graph.json's neurons, and the
 * width a probe records: docs/design.md, "Probes").
 */
export function stageWidth(g: ModelGraph, s: number): number {
  const st = g.stages[s]!;
  return layerOf(g, st.layer).size * st.folds;
}

export function tensorOf(g: ModelGraph, name: string): TensorSpec {
  const t = g.tensors.find((x) => x.name === name);
  if (!t) throw new RangeError(`no tensor ${name}`);
  return t;
}

export function inputLayer(g: ModelGraph): NeuronLayer {
  return g.layers.find((l) => l.role === 'input')!;
}

export function outputLayer(g: ModelGraph): NeuronLayer {
  return g.layers.find((l) => l.role === 'output')!;
}

/** The weight tensors, in canonical order. */
export function weightSpecs(g: ModelGraph): Extract<TensorSpec, { kind: 'weight' }>[] {
  return g.tensors.filter((t): t is Extract<TensorSpec, { kind: 'weight' }> => t.kind === 'weight');
}

/** The number of entries of a tensor, from its spec or its shape. */
export function numel(t: TensorSpec | readonly number[]): number {
  const dims = 'shape' in t ? t.shape : t;
  return dims.reduce((a, b) => a * b, 1);
}

/** Every tensor's element count, in canonical order. */
export function tensorSizes(g: ModelGraph): number[] {
  return g.tensors.map(numel);
}

/** The token embedding's tensor name and size, or undefined for a network without one. */
export function embeddingOf(g: ModelGraph): { readonly name: string; readonly vocab: number; readonly dim: number } | undefined {
  const t = g.tensors.find((x) => x.kind === 'embedding');
  return t ? { name: t.name, vocab: t.shape[0], dim: t.shape[1] } : undefined;
}

/** All parameters (weights, biases, embedding, LayerNorm). */
export function parameterCount(g: ModelGraph): number {
  return tensorSizes(g).reduce((a, b) => a + b, 0);
}

/**
 * Collects an architecture's neuron layers and tensors in forward order and derives the
 * incidences from them; each definition in src/model/architectures/ builds its graph with one.
 */
export class GraphBuilder {
  readonly layers: NeuronLayer[] = [];
  readonly tensors: TensorSpec[] = [];

  layer(name: string, role: NeuronLayer['role'], size: number, activation: Activation, heads = 1, shape: LayerShape = LINE): string {
    if (size % heads !== 0) throw new RangeError(`layer ${name}: ${size} positions do not split into ${heads} heads`);
    this.layers.push({ name, role, size, shape, geometry: layerGeometry(shape, size), heads, activation });
    return name;
  }

  size(name: string): number {
    return this.layers.find((l) => l.name === name)!.size;
  }

  /** A BioLinear from `from` to `to` named `<prefix>.weight` / `<prefix>.bias`; returns their names. */
  linear(prefix: string, from: string, to: string, fromFold = 1, toFold = 1): TensorPair {
    if (from === to) throw new RangeError(`${prefix}: a weight must join two different layers`);
    const rows = fromFold * this.size(from);
    const cols = toFold * this.size(to);
    const bias = `${prefix}.bias`;
    this.tensors.push({ kind: 'weight', name: `${prefix}.weight`, shape: [rows, cols], from, to, fromFold, toFold, bias });
    this.tensors.push({ kind: 'bias', name: bias, shape: [cols], layer: to, fold: toFold });
    return { weight: `${prefix}.weight`, bias };
  }

  /** A LayerNorm's gain `<prefix>.weight` and bias `<prefix>.bias` over `layer`; returns their names. */
  norm(prefix: string, layer: string): TensorPair {
    const n = this.size(layer);
    this.tensors.push({ kind: 'norm', name: `${prefix}.weight`, shape: [n], layer, init: 1 });
    this.tensors.push({ kind: 'norm', name: `${prefix}.bias`, shape: [n], layer, init: 0 });
    return { weight: `${prefix}.weight`, bias: `${prefix}.bias` };
  }

  build<A extends Architecture>(arch: A, relocationOrder: readonly string[], stages: readonly Stage[], links: readonly Link[]): ModelGraph<A> {
    const incidence = new Map<string, Incidence[]>(this.layers.map((l) => [l.name, []]));
    const incoming = new Map<string, Incidence[]>(this.layers.map((l) => [l.name, []]));
    for (const t of this.tensors) {
      if (t.kind === 'weight') {
        incoming.get(t.to)!.push({ tensor: t.name, axis: 1, folds: t.toFold });
        incidence.get(t.from)!.push({ tensor: t.name, axis: 0, folds: t.fromFold });
      } else if (t.kind === 'bias') incoming.get(t.layer)!.push({ tensor: t.name, axis: 0, folds: t.fold });
      else if (t.kind === 'norm') incidence.get(t.layer)!.push({ tensor: t.name, axis: 0, folds: 1 });
    }
    // Incoming slices first: the order the incremental swap delta sums its terms in.
    for (const [name, list] of incidence) list.unshift(...incoming.get(name)!);
    return { arch, layers: this.layers, tensors: this.tensors, incidence, relocationOrder, stages, links };
  }
}
