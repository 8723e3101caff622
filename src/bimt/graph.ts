/**
 * The pruned graph of a network: which neurons are alive once weights with |w| <= threshold are
 * dropped, the surviving edges, and the connected components ("modules") with the inputs and
 * outputs each contains. Snapshots during training, `bimt prune` and the network plot all read
 * this one structure.
 *
 * A neuron is alive when some path of surviving weights reaches it from an input and leaves it
 * towards an output; anything else cannot carry information from the inputs to the outputs.
 * Inputs and outputs are always listed (they are the labelled ends), with `connected` saying
 * whether any path touches them.
 */
import { inputPositions, mlpChain, type Network } from '../model/network.js';

export interface Labels {
  /** Name of each ORIGINAL input feature (or embedding dimension). */
  readonly inputs: readonly string[];
  /** Name of each ORIGINAL output. */
  readonly outputs: readonly string[];
}

export interface GraphNeuron {
  /** Index of the neuron in its layer (fold copies of the input counted separately). */
  readonly index: number;
  /** Coordinates of its position (1 or 2 values). */
  readonly coords: number[];
  /** Human name: inputs and outputs only, after permutation. */
  readonly label?: string;
  /** For inputs and outputs: whether any surviving path touches it. Hidden neurons listed are alive. */
  readonly connected: boolean;
}

export interface GraphEdge {
  /** Weight layer: from neuron layer `layer` to `layer + 1`. */
  readonly layer: number;
  readonly from: number;
  readonly to: number;
  readonly weight: number;
}

export interface GraphModule {
  /** [layer, index] of every alive neuron of the component. */
  readonly neurons: [number, number][];
  readonly inputs: string[];
  readonly outputs: string[];
}

export interface NetworkGraph {
  /** Weights with |w| <= threshold count as absent. */
  readonly threshold: number;
  /** Neurons in each layer of the network, alive or not (layers[l] lists only the alive hidden ones). */
  readonly widths: readonly number[];
  /** layers[l]: the listed neurons of neuron layer l (all inputs and outputs; alive hidden neurons). */
  readonly layers: GraphNeuron[][];
  readonly edges: GraphEdge[];
  /** Components with at least one edge, largest first. */
  readonly modules: GraphModule[];
  /**
   * The weights pruning keeps: always edges.length. A weight above the threshold into or out of a
   * dead neuron is not kept, since pruning removes it with its neuron.
   */
  readonly weightsKept: number;
  /** All weights of the network (biases and embedding not counted). */
  readonly weightsTotal: number;
}

/** Label of input neuron n (fold f = n div Nf reads original feature inPerm[n mod Nf]). */
export function inputLabel(net: Network, labels: Labels, n: number): string {
  const nf = inputPositions(net.graph.arch);
  const name = labels.inputs[net.inPerm[n % nf]] ?? `in${net.inPerm[n % nf]}`;
  return net.inPerm.length < mlpChain(net).widths[0] ? `${name}·${Math.floor(n / nf) + 1}` : name;
}

export function outputLabel(net: Network, labels: Labels, q: number): string {
  return labels.outputs[net.outPerm[q]] ?? `out${net.outPerm[q]}`;
}

/**
 * Which neurons a path of weights with |w| > threshold reaches from an input (`fromInput`) and
 * which reach an output (`toOutput`), one 0/1 mask per neuron layer.
 */
export function reachableMasks(net: Network, threshold: number): { fromInput: Uint8Array[]; toOutput: Uint8Array[] } {
  const params = mlpChain(net);
  const arch = params;
  const L = arch.widths.length - 1;
  const kept = (l: number, i: number, o: number) => Math.abs(params.weights[l][i * arch.widths[l + 1] + o]) > threshold;
  const fromInput = arch.widths.map((w, l) => new Uint8Array(w).fill(l === 0 ? 1 : 0));
  for (let l = 0; l < L; l++) {
    for (let i = 0; i < arch.widths[l]; i++) {
      if (fromInput[l][i]) for (let o = 0; o < arch.widths[l + 1]; o++) if (kept(l, i, o)) fromInput[l + 1][o] = 1;
    }
  }
  const toOutput = arch.widths.map((w, l) => new Uint8Array(w).fill(l === L ? 1 : 0));
  for (let l = L - 1; l >= 0; l--) {
    for (let i = 0; i < arch.widths[l]; i++) {
      for (let o = 0; o < arch.widths[l + 1]; o++) if (toOutput[l + 1][o] && kept(l, i, o)) toOutput[l][i] = 1;
    }
  }
  return { fromInput, toOutput };
}

export function networkGraph(net: Network, labels: Labels, threshold: number): NetworkGraph {
  const params = mlpChain(net);
  const arch = params;
  const L = arch.widths.length - 1;
  const kept = (l: number, i: number, o: number) => Math.abs(params.weights[l][i * arch.widths[l + 1] + o]) > threshold;
  const { fromInput, toOutput } = reachableMasks(net, threshold);
  const alive = (l: number, n: number) => fromInput[l][n] === 1 && toOutput[l][n] === 1;

  const edges: GraphEdge[] = [];
  let weightsTotal = 0;
  for (let l = 0; l < L; l++) {
    const nOut = arch.widths[l + 1];
    weightsTotal += params.weights[l].length;
    for (let i = 0; i < arch.widths[l]; i++) {
      for (let o = 0; o < nOut; o++) {
        if (kept(l, i, o) && alive(l, i) && alive(l + 1, o)) edges.push({ layer: l, from: i, to: o, weight: params.weights[l][i * nOut + o] });
      }
    }
  }

  const layers = arch.widths.map((w, l) => {
    const list: GraphNeuron[] = [];
    const g = net.graph.layers[l].geometry;
    for (let n = 0; n < w; n++) {
      const ends = l === 0 || l === L;
      if (!ends && !alive(l, n)) continue;
      const label = l === 0 ? inputLabel(net, labels, n) : l === L ? outputLabel(net, labels, n) : undefined;
      list.push({
        index: n,
        coords: Array.from(g.coords.subarray((n % g.coords.length) * g.dims, ((n % g.coords.length) + 1) * g.dims)),
        ...(label !== undefined ? { label } : {}),
        connected: alive(l, n),
      });
    }
    return list;
  });

  const widths = [...arch.widths];
  return { threshold, widths, layers, edges, modules: findModules(net, labels, edges), weightsKept: edges.length, weightsTotal };
}

/** Connected components of the surviving edges (union-find over [layer, index] nodes). */
function findModules(net: Network, labels: Labels, edges: GraphEdge[]): GraphModule[] {
  const offsets: number[] = [];
  let total = 0;
  const { widths } = mlpChain(net);
  for (const w of widths) {
    offsets.push(total);
    total += w;
  }
  const parent = Int32Array.from({ length: total }, (_, i) => i);
  const find = (a: number): number => {
    while (parent[a] !== a) a = parent[a] = parent[parent[a]];
    return a;
  };
  const touched = new Uint8Array(total);
  for (const e of edges) {
    const a = offsets[e.layer] + e.from;
    const b = offsets[e.layer + 1] + e.to;
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
  const { widths } = mlpChain(net);
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
