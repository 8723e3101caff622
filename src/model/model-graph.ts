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
import { layerGeometry, shapeDims, type LayerGeometry, type LayerShape } from './geometry.js';

const LINE: LayerShape = { kind: 'line' };

/** A BioMLP: linear layers with SiLU between them, optionally fed by a token embedding. */
export interface MlpArchitecture {
  readonly kind: 'mlp';
  /** Neurons per layer, input first: [N_0, ..., N_L]. */
  readonly widths: readonly number[];
  /** Fold of the input layer: N_0 = inFold * (positions per fold). */
  readonly inFold: number;
  /** Token embedding shared by every fold: vocab rows of (N_0 / inFold) values. */
  readonly embedding?: { readonly vocab: number; readonly dim: number };
  /**
   * How each neuron layer's positions are laid out, input first (docs/design.md, "Geometry").
   * Absent: every layer a line. An architecture whose layers are all lines leaves it out, so the
   * two spellings are one architecture.
   */
  readonly geometry?: readonly LayerShape[];
}

/** The paper's BioTransformer (section 3.4): sequences of feature vectors in and out. */
export interface TransformerArchitecture {
  readonly kind: 'transformer';
  /** Features per token in and out. */
  readonly inDim: number;
  readonly outDim: number;
  /** Width of the residual stream. */
  readonly embed: number;
  readonly blocks: number;
  /** Attention heads; the attention layer swaps whole heads as well as positions within one. */
  readonly heads: number;
  /** Hidden width of each block's MLP. */
  readonly mlpHidden: number;
  /** Tokens per sequence. */
  readonly seqLen: number;
  /** Pre-norm LayerNorms applied (the reference defines them but never applies them). */
  readonly layerNorm: boolean;
}

export type Architecture = MlpArchitecture | TransformerArchitecture;

/** What a position computes from its pre-activation; pruning folds constants only through elementwise ones. */
export type Activation = 'silu' | 'gelu' | 'identity' | 'attention';

export interface NeuronLayer {
  readonly name: string;
  readonly role: 'input' | 'hidden' | 'stream' | 'output';
  /** Positions (the swappable units' members). */
  readonly size: number;
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

export interface ModelGraph {
  readonly arch: Architecture;
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

/** Trainable tensors by name, in the graph's canonical order: a state dict. */
export type Params = ReadonlyMap<string, Float32Array>;

/** Gradients by tensor name, shaped like `Params`, in float64. */
export type HostGrads = ReadonlyMap<string, Float64Array>;

/** Zeroed float64 gradient buffers for every tensor of a graph. */
export function gradsFor(g: ModelGraph): Map<string, Float64Array> {
  return new Map(g.tensors.map((t) => [t.name, new Float64Array(numel(t))]));
}

/** Builds (and caches per architecture object) the graph of an architecture. */
export function modelGraph(arch: Architecture): ModelGraph {
  let g = cache.get(arch);
  if (!g) cache.set(arch, (g = arch.kind === 'mlp' ? mlpGraph(arch) : transformerGraph(arch)));
  return g;
}
const cache = new WeakMap<Architecture, ModelGraph>();

export function layerOf(g: ModelGraph, name: string): NeuronLayer {
  const l = g.layers.find((x) => x.name === name);
  if (!l) throw new RangeError(`no neuron layer ${name}`);
  return l;
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

/** All parameters (weights, biases, embedding, LayerNorm). */
export function parameterCount(g: ModelGraph): number {
  return tensorSizes(g).reduce((a, b) => a + b, 0);
}

// ---- builders ---------------------------------------------------------------------------------

class GraphBuilder {
  readonly layers: NeuronLayer[] = [];
  readonly tensors: TensorSpec[] = [];

  layer(name: string, role: NeuronLayer['role'], size: number, activation: Activation, heads = 1, shape: LayerShape = LINE): string {
    if (size % heads !== 0) throw new RangeError(`layer ${name}: ${size} positions do not split into ${heads} heads`);
    this.layers.push({ name, role, size, geometry: layerGeometry(shape, size), heads, activation });
    return name;
  }

  size(name: string): number {
    return this.layers.find((l) => l.name === name)!.size;
  }

  /** A BioLinear from `from` to `to` named `<prefix>.weight` / `<prefix>.bias`. */
  linear(prefix: string, from: string, to: string, fromFold = 1, toFold = 1): void {
    if (from === to) throw new RangeError(`${prefix}: a weight must join two different layers`);
    const rows = fromFold * this.size(from);
    const cols = toFold * this.size(to);
    const bias = `${prefix}.bias`;
    this.tensors.push({ kind: 'weight', name: `${prefix}.weight`, shape: [rows, cols], from, to, fromFold, toFold, bias });
    this.tensors.push({ kind: 'bias', name: bias, shape: [cols], layer: to, fold: toFold });
  }

  norm(prefix: string, layer: string): void {
    const n = this.size(layer);
    this.tensors.push({ kind: 'norm', name: `${prefix}.weight`, shape: [n], layer, init: 1 });
    this.tensors.push({ kind: 'norm', name: `${prefix}.bias`, shape: [n], layer, init: 0 });
  }

  build(arch: Architecture, relocationOrder: readonly string[], stages: readonly Stage[], links: readonly Link[]): ModelGraph {
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

/**
 * A BioMLP: layers `input`, `hidden1` ... `hidden<L-1>`, `output`; tensors
 * `linears.<l>.linear.weight` / `.bias` (the reference module's names), then `embedding`.
 */
function mlpGraph(arch: MlpArchitecture): ModelGraph {
  const { widths, inFold } = arch;
  const L = widths.length - 1;
  const b = new GraphBuilder();
  const shapes = arch.geometry ?? widths.map(() => LINE);
  if (shapes.length !== widths.length) throw new RangeError(`${shapes.length} layer shapes for ${widths.length} neuron layers`);
  if (new Set(shapes.map(shapeDims)).size > 1) throw new RangeError('a network mixes 1-D and 2-D layers, which have no distance between them');
  const names = widths.map((w, l) => {
    if (l === 0) return b.layer('input', 'input', w / inFold, 'identity', 1, shapes[l]);
    if (l === L) return b.layer('output', 'output', w, 'identity', 1, shapes[l]);
    return b.layer(`hidden${l}`, 'hidden', w, 'silu', 1, shapes[l]);
  });
  const links: Link[] = [];
  for (let l = 0; l < L; l++) {
    b.linear(`linears.${l}.linear`, names[l]!, names[l + 1]!, l === 0 ? inFold : 1);
    links.push({ from: l, to: l + 1, weight: `linears.${l}.linear.weight` });
  }
  if (arch.embedding) b.tensors.push({ kind: 'embedding', name: 'embedding', shape: [arch.embedding.vocab, arch.embedding.dim] });
  return b.build(arch, names, names.map((layer, l) => ({ layer, folds: l === 0 ? inFold : 1 })), links);
}

/**
 * The BioTransformer (docs/design.md, "Transformer"): layers `input`, `stream` (one layer for
 * every residual point), per block `blocks.<b>.attn` (q, k and v as three folds sharing
 * coordinates) and `blocks.<b>.mlp`, then `output`; tensors named as the reference module's
 * state dict.
 */
function transformerGraph(arch: TransformerArchitecture): ModelGraph {
  const b = new GraphBuilder();
  const stages: Stage[] = [];
  const links: Link[] = [];
  const stage = (layer: string) => stages.push({ layer, folds: 1 }) - 1;
  const link = (from: number, to: number, weight?: string) => links.push({ from, to, ...(weight ? { weight: `${weight}.weight` } : {}) });
  const input = b.layer('input', 'input', arch.inDim, 'identity');
  const stream = b.layer('stream', 'stream', arch.embed, 'identity');
  b.linear('l_i.linear', input, stream);
  let s = stage(input);
  let res = stage(stream);
  link(s, res, 'l_i.linear');
  for (let k = 0; k < arch.blocks; k++) {
    const attn = b.layer(`blocks.${k}.attn`, 'hidden', arch.embed, 'attention', arch.heads);
    const mlp = b.layer(`blocks.${k}.mlp`, 'hidden', arch.mlpHidden, 'gelu');
    b.norm(`blocks.${k}.ln_1`, stream);
    b.linear(`blocks.${k}.attn.l_attn.linear`, stream, attn, 1, 3);
    b.linear(`blocks.${k}.attn.l_proj.linear`, attn, stream);
    b.norm(`blocks.${k}.ln_2`, stream);
    b.linear(`blocks.${k}.mlp.linears.0.linear`, stream, mlp);
    b.linear(`blocks.${k}.mlp.linears.1.linear`, mlp, stream);
    // stream -> attention -> stream (+ residual) -> MLP hidden -> stream (+ residual)
    for (const [hidden, into, out] of [
      [attn, `blocks.${k}.attn.l_attn.linear`, `blocks.${k}.attn.l_proj.linear`],
      [mlp, `blocks.${k}.mlp.linears.0.linear`, `blocks.${k}.mlp.linears.1.linear`],
    ] as const) {
      const h = stage(hidden);
      const next = stage(stream);
      link(res, h, into);
      link(h, next, out);
      link(res, next);
      res = next;
    }
  }
  const output = b.layer('output', 'output', arch.outDim, 'identity');
  b.norm('ln_f', stream);
  b.linear('l_f.linear', stream, output);
  s = stage(output);
  link(res, s, 'l_f.linear');
  // The reference relocates from the last layer to the first.
  const order = [output];
  for (let k = arch.blocks - 1; k >= 0; k--) order.push(`blocks.${k}.mlp`, `blocks.${k}.attn`);
  order.push(stream, input);
  return b.build(arch, order, stages, links);
}
