/**
 * The pruned graph of a network: which neurons are alive once weights with |w| <= threshold are
 * dropped, the surviving edges, and the connected components ("modules") with the inputs and
 * outputs each contains. Snapshots during training, `bimt prune` and the network plot all read
 * this one structure. It is laid out by the model graph's stages (docs/design.md, "Model graph"):
 * one row of neurons per use of a neuron layer, so a transformer's residual stream appears once
 * per residual point, joined to the next by its identity connections (`residuals`).
 *
 * A neuron is alive when some path of surviving weights (and residual connections) reaches it
 * from an input and leaves it towards an output; anything else cannot carry information from the
 * inputs to the outputs. In an attention layer every position of a head counts as reaching the
 * outputs when one does, since its query and key shape the head's attention pattern. Inputs and
 * outputs are always listed (they are the labelled ends), with `connected` saying whether any
 * path touches them.
 */
import { layerOf, stageWidth, tensorOf, type ModelGraph } from '../model/model-graph.js';
import { inputPositions, type Network } from '../model/network.js';
import { louvain, type WeightedEdge } from './modularity.js';

export interface Labels {
  /** Name of each ORIGINAL input feature (or embedding dimension). */
  readonly inputs: readonly string[];
  /** Name of each ORIGINAL output. */
  readonly outputs: readonly string[];
}

/**
 * What an edge's strength is, the number compared with the pruning threshold (docs/design.md,
 * "Attribution"): `weight`, |w|; `attribution`, |w| times the mean |activation| of the edge's
 * input neuron over the training split (`meanAbs[stage][neuron]`, src/train/attribution.ts), so a
 * big weight on an input that barely moves no longer counts as strong.
 */
export type EdgeScore = { readonly kind: 'weight' } | { readonly kind: 'attribution'; readonly meanAbs: readonly Float64Array[] };
export type ScoreKind = EdgeScore['kind'];
export const WEIGHT_SCORE: EdgeScore = { kind: 'weight' };

/** The score of entry w of link k's weight, read from neuron i of the link's source stage. */
export function edgeScore(g: ModelGraph, score: EdgeScore, k: number, i: number, w: number): number {
  return score.kind === 'weight' ? Math.abs(w) : Math.abs(w) * score.meanAbs[g.links[k]!.from]![i]!;
}

export interface GraphNeuron {
  /** Index of the neuron in its stage (fold copies of a folded stage counted separately). */
  readonly index: number;
  /** Coordinates of its position (1 or 2 values). */
  readonly coords: number[];
  /** Human name: inputs and outputs only, after permutation. */
  readonly label?: string;
  /** For inputs and outputs: whether any surviving path touches it. Hidden neurons listed are alive. */
  readonly connected: boolean;
}

export interface GraphEdge {
  /** The link (model graph `links`, an MLP's weight layer) it belongs to: from its stage `from` to its stage `to`. */
  readonly layer: number;
  readonly from: number;
  readonly to: number;
  /** The weight; where several entries join the same two neurons (q, k and v), the one of largest score. */
  readonly weight: number;
}

/** A residual connection that carries information: position `index` of link `layer`'s stages. */
export interface GraphResidual {
  readonly layer: number;
  readonly index: number;
}

export interface GraphModule {
  /** [stage, index] of every alive neuron of the component. */
  readonly neurons: [number, number][];
  readonly inputs: string[];
  readonly outputs: string[];
}

export interface NetworkGraph {
  /** Weights whose score is <= threshold count as absent. */
  readonly threshold: number;
  /** The score compared with the threshold (EdgeScore); communities weigh edges by it too. */
  readonly score: ScoreKind;
  /** Neurons in each stage of the network, alive or not (for an MLP its widths). */
  readonly widths: readonly number[];
  /** layers[s]: the listed neurons of stage s (all inputs and outputs; alive hidden neurons). */
  readonly layers: GraphNeuron[][];
  readonly edges: GraphEdge[];
  /** Residual connections between alive positions (transformers). */
  readonly residuals: GraphResidual[];
  /** Components with at least one edge, largest first. */
  readonly modules: GraphModule[];
  /**
   * Newman's modularity Q of the surviving connections weighted by |w| (a residual connection 1),
   * for the communities the Louvain method finds (src/bimt/modularity.ts): 0 for one tight
   * cluster, towards 1 for many separate ones; 0 without edges.
   */
  readonly modularity: number;
  /** How many communities that partition has (neurons without a connection not counted). */
  readonly communities: number;
  /**
   * The weights pruning keeps: every entry above the threshold between alive neurons. A weight
   * above the threshold into or out of a dead neuron is not kept, since pruning removes it with
   * its neuron. For an MLP, edges.length.
   */
  readonly weightsKept: number;
  /** All weights of the network (biases, embedding and LayerNorms not counted). */
  readonly weightsTotal: number;
}

/** Label of input neuron n (fold f = n div Nf reads original feature inPerm[n mod Nf]). */
export function inputLabel(net: Network, labels: Labels, n: number): string {
  const nf = inputPositions(net.graph.arch);
  const name = labels.inputs[net.inPerm[n % nf]] ?? `in${net.inPerm[n % nf]}`;
  return net.graph.stages[0]!.folds > 1 ? `${name}·${Math.floor(n / nf) + 1}` : name;
}

export function outputLabel(net: Network, labels: Labels, q: number): string {
  return labels.outputs[net.outPerm[q]] ?? `out${net.outPerm[q]}`;
}

/**
 * Calls `visit(i, o, w, entry)` for every entry of link `k`'s weight, with i and o the neurons of
 * its stages (fold copies merged where the stage draws one neuron per position).
 */
export function forEachWeight(net: Network, k: number, visit: (i: number, o: number, w: number, entry: number) => void): void {
  const g = net.graph;
  const link = g.links[k]!;
  if (!link.weight) return;
  const t = tensorOf(g, link.weight);
  const w = net.params.get(link.weight)!;
  const [rows, cols] = t.shape as readonly [number, number];
  const nFrom = stageWidth(g, link.from);
  const nTo = stageWidth(g, link.to);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) visit(r % nFrom, c % nTo, w[r * cols + c]!, r * cols + c);
}

/**
 * Which neurons a path of weights whose score is > threshold (or a residual connection) reaches
 * from an input (`fromInput`) and which reach an output (`toOutput`), one 0/1 mask per stage.
 */
export function reachableMasks(net: Network, threshold: number, score: EdgeScore = WEIGHT_SCORE): { fromInput: Uint8Array[]; toOutput: Uint8Array[] } {
  const g = net.graph;
  const last = g.stages.length - 1;
  const fromInput = g.stages.map((_, s) => new Uint8Array(stageWidth(g, s)).fill(s === 0 ? 1 : 0));
  const toOutput = g.stages.map((_, s) => new Uint8Array(stageWidth(g, s)).fill(s === last ? 1 : 0));
  const links = g.links.map((l, k) => ({ ...l, k }));
  // Stages are in topological order: forwards by target, backwards by source.
  for (const l of [...links].sort((a, b) => a.to - b.to)) {
    const [src, dst] = [fromInput[l.from]!, fromInput[l.to]!];
    if (!l.weight) src.forEach((v, j) => (dst[j] ||= v));
    else forEachWeight(net, l.k, (i, o, w) => src[i] && edgeScore(g, score, l.k, i, w) > threshold && (dst[o] = 1));
  }
  const attentionDone = new Set<number>();
  for (const l of [...links].sort((a, b) => b.from - a.from)) {
    const [src, dst] = [toOutput[l.from]!, toOutput[l.to]!];
    wholeHeads(net.graph, l.to, dst, attentionDone);
    if (!l.weight) dst.forEach((v, j) => (src[j] ||= v));
    else forEachWeight(net, l.k, (i, o, w) => dst[o] && edgeScore(g, score, l.k, i, w) > threshold && (src[i] = 1));
  }
  return { fromInput, toOutput };
}

/** In an attention stage, once all its outputs are known: a head reaches the outputs if any of its positions does. */
function wholeHeads(g: ModelGraph, s: number, mask: Uint8Array, done: Set<number>): void {
  const layer = layerOf(g, g.stages[s]!.layer);
  if (layer.activation !== 'attention' || done.has(s)) return;
  done.add(s);
  const hd = layer.size / layer.heads;
  for (let h = 0; h < layer.heads; h++) {
    const any = mask.subarray(h * hd, (h + 1) * hd).some((v) => v === 1);
    if (any) mask.fill(1, h * hd, (h + 1) * hd);
  }
}

/** The pruned graph at `threshold` on `score` (|w| by default). */
export function networkGraph(net: Network, labels: Labels, threshold: number, score: EdgeScore = WEIGHT_SCORE): NetworkGraph {
  const g = net.graph;
  const last = g.stages.length - 1;
  const { fromInput, toOutput } = reachableMasks(net, threshold, score);
  const alive = (s: number, n: number) => fromInput[s]![n] === 1 && toOutput[s]![n] === 1;

  const edges: GraphEdge[] = [];
  const residuals: GraphResidual[] = [];
  let weightsTotal = 0;
  let weightsKept = 0;
  g.links.forEach((l, k) => {
    if (!l.weight) {
      for (let j = 0; j < stageWidth(g, l.from); j++) if (alive(l.from, j) && alive(l.to, j)) residuals.push({ layer: k, index: j });
      return;
    }
    const strongest = new Map<number, number>();
    const nTo = stageWidth(g, l.to);
    weightsTotal += net.params.get(l.weight)!.length;
    forEachWeight(net, k, (i, o, w) => {
      if (edgeScore(g, score, k, i, w) <= threshold || !alive(l.from, i) || !alive(l.to, o)) return;
      weightsKept++;
      const key = i * nTo + o;
      const prev = strongest.get(key);
      // One source neuron per key: the largest |w| is the largest score.
      if (prev === undefined || Math.abs(w) > Math.abs(prev)) strongest.set(key, w);
    });
    for (const [key, w] of [...strongest].sort((a, b) => a[0] - b[0])) edges.push({ layer: k, from: Math.floor(key / nTo), to: key % nTo, weight: w });
  });

  const layers = g.stages.map((st, s) => {
    const list: GraphNeuron[] = [];
    const geo = layerOf(g, st.layer).geometry;
    const size = geo.coords.length / geo.dims;
    for (let n = 0; n < stageWidth(g, s); n++) {
      const ends = s === 0 || s === last;
      if (!ends && !alive(s, n)) continue;
      const label = s === 0 ? inputLabel(net, labels, n) : s === last ? outputLabel(net, labels, n) : undefined;
      const p = n % size;
      list.push({
        index: n,
        coords: Array.from(geo.coords.subarray(p * geo.dims, (p + 1) * geo.dims)),
        ...(label !== undefined ? { label } : {}),
        connected: alive(s, n),
      });
    }
    return list;
  });

  const widths = g.stages.map((_, s) => stageWidth(g, s));
  const links = connections(g, widths, edges, residuals, score);
  const { q, count } = communities(links.pairs);
  return {
    threshold,
    score: score.kind,
    widths,
    layers,
    edges,
    residuals,
    modules: findModules(net, labels, links),
    modularity: q,
    communities: count,
    weightsKept,
    weightsTotal,
  };
}

/**
 * The surviving edges and residual connections between [stage, index] neurons, numbered stage by
 * stage (stage s's neurons from offsets[s] on, `total` in all), as weighted node pairs: the edge's
 * score (|w| for weight) for an edge, 1 for a residual connection (an identity).
 */
interface Connections {
  readonly offsets: readonly number[];
  readonly total: number;
  readonly pairs: readonly WeightedEdge[];
}

function connections(g: ModelGraph, widths: readonly number[], edges: readonly GraphEdge[], residuals: readonly GraphResidual[], score: EdgeScore): Connections {
  const offsets: number[] = [];
  let total = 0;
  for (const w of widths) {
    offsets.push(total);
    total += w;
  }
  const id = (s: number, n: number) => offsets[s]! + n;
  const pairs = [
    ...edges.map((e) => ({ a: id(g.links[e.layer]!.from, e.from), b: id(g.links[e.layer]!.to, e.to), w: edgeScore(g, score, e.layer, e.from, e.weight) })),
    ...residuals.map((r) => ({ a: id(g.links[r.layer]!.from, r.index), b: id(g.links[r.layer]!.to, r.index), w: 1 })),
  ];
  return { offsets, total, pairs };
}

/**
 * Louvain's communities of the connected neurons (modularity.ts), their Q, and each neuron's
 * community by its connection id (`connections`): the one partition graph.json counts and
 * `communityMembers` lists.
 */
function communities(pairs: readonly WeightedEdge[]): { q: number; count: number; of: ReadonlyMap<number, number> } {
  // Only neurons with a connection are nodes: the dead ones would each count as a community.
  const node = new Map<number, number>();
  const at = (v: number) => node.get(v) ?? (node.set(v, node.size), node.size - 1);
  const compact = pairs.map(({ a, b, w }) => ({ a: at(a), b: at(b), w }));
  const { q, count, community } = louvain(node.size, compact);
  return { q, count, of: new Map([...node].map(([id, k]) => [id, community[k]!])) };
}

/**
 * The neurons ([stage, index]) of each Louvain community of a pruned graph, the partition whose
 * count and Q networkGraph reports, ordered by their first neuron (stage by stage, index by
 * index): what `bimt ablate --community k` knocks out as community k (1-based), docs/design.md,
 * "Ablation targets". `score` must be the one the graph was built with.
 */
export function communityMembers(net: Network, graph: NetworkGraph, score: EdgeScore = WEIGHT_SCORE): [number, number][][] {
  const links = connections(net.graph, graph.widths, graph.edges, graph.residuals, score);
  const { count, of } = communities(links.pairs);
  const members: [number, number][][] = Array.from({ length: count }, () => []);
  for (const id of [...of.keys()].sort((a, b) => a - b)) {
    let s = 0;
    while (s + 1 < links.offsets.length && links.offsets[s + 1]! <= id) s++;
    members[of.get(id)!]!.push([s, id - links.offsets[s]!]);
  }
  return members.filter((m) => m.length > 0).sort((a, b) => a[0]![0] - b[0]![0] || a[0]![1] - b[0]![1]);
}

/** Connected components of the surviving edges and residual connections (union-find over [stage, index] nodes). */
function findModules(net: Network, labels: Labels, links: Connections): GraphModule[] {
  const g = net.graph;
  const widths = g.stages.map((_, s) => stageWidth(g, s));
  const { offsets, total } = links;
  const parent = Int32Array.from({ length: total }, (_, i) => i);
  const find = (a: number): number => {
    while (parent[a] !== a) a = parent[a] = parent[parent[a]];
    return a;
  };
  const touched = new Uint8Array(total);
  for (const { a, b } of links.pairs) {
    touched[a] = touched[b] = 1;
    parent[find(a)] = find(b);
  }
  const byRoot = new Map<number, GraphModule>();
  const L = widths.length - 1;
  widths.forEach((w, l) => {
    for (let n = 0; n < w; n++) {
      const id = offsets[l] + n;
      if (!touched[id]) continue;
      const root = find(id);
      let m = byRoot.get(root);
      if (!m) byRoot.set(root, (m = { neurons: [], inputs: [], outputs: [] }));
      m.neurons.push([l, n]);
      if (l === 0) m.inputs.push(inputLabel(net, labels, n));
      if (l === L) m.outputs.push(outputLabel(net, labels, n));
    }
  });
  return [...byRoot.values()].sort((a, b) => b.neurons.length - a.neurons.length);
}

/**
 * The embedding dimensions the graph's edges connect through its hidden layers (the last weight
 * layer left out), as groups of original dimension indices, ascending; groups ordered left to
 * right by where their inputs sit. Both fold copies of a dimension belong to one group, since
 * they read the same embedding column.
 */
export function embeddingGroups(net: Network, graph: NetworkGraph): number[][] {
  const { widths } = graph;
  const L = widths.length - 1;
  const nf = inputPositions(net.graph.arch);
  const offsets: number[] = [];
  let total = nf; // ids 0..nf-1: input positions, both folds merged
  for (let l = 1; l < L; l++) {
    offsets[l] = total;
    total += widths[l];
  }
  const id = (l: number, n: number) => (l === 0 ? n % nf : offsets[l] + n);
  const parent = Int32Array.from({ length: total }, (_, i) => i);
  const find = (a: number): number => {
    while (parent[a] !== a) a = parent[a] = parent[parent[a]];
    return a;
  };
  const touched = new Uint8Array(nf);
  for (const e of graph.edges) {
    if (e.layer >= L - 1) continue;
    if (e.layer === 0) touched[e.from % nf] = 1;
    parent[find(id(e.layer, e.from))] = find(id(e.layer + 1, e.to));
  }
  const byRoot = new Map<number, number[]>();
  for (let j = 0; j < nf; j++) {
    if (!touched[j]) continue;
    const r = find(j);
    if (!byRoot.has(r)) byRoot.set(r, []);
    byRoot.get(r)!.push(j);
  }
  // Positions j are in geometric order, so the first position of a group places it.
  return [...byRoot.values()].map((positions) => positions.map((j) => net.inPerm[j]).sort((a, b) => a - b));
}
