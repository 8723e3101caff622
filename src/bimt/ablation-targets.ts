/**
 * What `bimt ablate` knocks out (docs/design.md, "Ablation targets"):
 * the targets a user names on the command line, resolved against a network and its pruned graph
 * into units, [stage, neuron] pairs of the model graph's stages, numbered as graph.json numbers
 * them (fold copies of a folded input counted separately). The units then become the forward
 * pass's fixes (`ablationFixes`): per stage, neuron -> the value it is held at.
 *
 * A unit of a layer that several stages use (a transformer's residual stream) is a position of
 * that layer, so it is fixed at every stage of the layer: "ablated wherever it is read".
 *
 *     const t = resolveTarget(net, labels, graph, { kind: 'neuron', layer: 'hidden1', unit: '3' });
 *     ablationFixes(net.graph, t.units, () => 0);  // Map { 1 => Map { 3 => 0 } }
 */
import { BimtError } from '../errors.js';
import { embeddingOf, layerOf, stageWidth, type ModelGraph } from '../model/model-graph.js';
import { inputPositions, type Network } from '../model/network.js';
import { communityMembers, inputLabel, outputLabel, WEIGHT_SCORE, type EdgeScore, type Labels, type NetworkGraph } from './graph.js';

/** A target as the command line names it; each kind is one flag of `bimt ablate`. */
export type AblationTarget =
  /** `--neuron <layer>:<index or label>`: layer a stage index or a layer name (hidden1, blocks.0.mlp, input, output). */
  | { readonly kind: 'neuron'; readonly layer: string; readonly unit: string }
  /** `--module <k>`: connected module k (1-based, in graph.json's order) of the pruned graph. */
  | { readonly kind: 'module'; readonly k: number }
  /** `--community <k>`: Louvain community k (1-based, by first neuron; `communityMembers`). */
  | { readonly kind: 'community'; readonly k: number }
  /** `--embedding-dim <d>`: every input position that reads original embedding dimension d (0-based, label e<d>). */
  | { readonly kind: 'embedding-dim'; readonly d: number }
  /** `--head <block>:<h>`: every position of head h of the block's attention layer. */
  | { readonly kind: 'head'; readonly block: number; readonly h: number };

/** [stage, neuron] of the model graph's stages. */
export type Unit = readonly [stage: number, neuron: number];

export interface ResolvedTarget {
  /** The `target` cell of ablation.csv: the flag's words ("neuron hidden1:3", "module 2"). */
  readonly name: string;
  /** Every unit it fixes, each stage of a shared layer listed (see the file's comment). */
  readonly units: readonly Unit[];
  /** Labels of the inputs and outputs it touches: those of the graph modules its units lie in. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

/**
 * Resolves one target; a target the network lacks is a one-line BimtError naming its flag.
 * `score`: the one `graph` was built with (communities weigh edges by it).
 */
export function resolveTarget(net: Network, labels: Labels, graph: NetworkGraph, t: AblationTarget, score: EdgeScore = WEIGHT_SCORE): ResolvedTarget {
  const units = spread(net.graph, unitsOf(net, labels, graph, t, score));
  return { name: targetName(t), units, ...touched(net, labels, graph, units) };
}

export function targetName(t: AblationTarget): string {
  switch (t.kind) {
    case 'neuron':
      return `neuron ${t.layer}:${t.unit}`;
    case 'module':
    case 'community':
      return `${t.kind} ${t.k}`;
    case 'embedding-dim':
      return `embedding-dim ${t.d}`;
    case 'head':
      return `head ${t.block}:${t.h}`;
  }
}

/** Several targets as one (`--together`, `--keep-only` of several): their units, inputs and outputs together. */
export function jointTarget(targets: readonly ResolvedTarget[]): ResolvedTarget {
  const units = new Map<string, Unit>();
  for (const t of targets) for (const u of t.units) units.set(`${u[0]}:${u[1]}`, u);
  const union = (pick: (t: ResolvedTarget) => readonly string[]) => [...new Set(targets.flatMap(pick))];
  return {
    name: targets.map((t) => t.name).join(' + '),
    units: [...units.values()].sort((a, b) => a[0] - b[0] || a[1] - b[1]),
    inputs: union((t) => t.inputs),
    outputs: union((t) => t.outputs),
  };
}

/**
 * The targets `--each neuron|module|community` ablates in turn: every neuron of the hidden layers
 * that is alive in the pruned graph (a dead one changes nothing), every module, every community.
 */
export function eachTarget(net: Network, graph: NetworkGraph, each: 'neuron' | 'module' | 'community', score: EdgeScore = WEIGHT_SCORE): AblationTarget[] {
  if (each === 'module') return graph.modules.map((_, i) => ({ kind: 'module', k: i + 1 }));
  if (each === 'community') return communityMembers(net, graph, score).map((_, i) => ({ kind: 'community', k: i + 1 }));
  const g = net.graph;
  const seen = new Set<string>();
  const out: AblationTarget[] = [];
  graph.layers.forEach((neurons, s) => {
    const layer = g.stages[s]!.layer;
    if (!isInside(g, s)) return;
    for (const n of neurons) {
      const key = `${layer}:${n.index}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ kind: 'neuron', layer, unit: String(n.index) });
    }
  });
  return out;
}

/**
 * The units `--keep-only` fixes for targets `kept`: every neuron outside them in each kind of
 * layer they lie in: all hidden layers where a kept unit is hidden, the input layer where one is
 * an input, the stream where one is a stream position. So keeping a module or a head ablates
 * every other hidden neuron and leaves inputs and stream alone, and keeping some embedding
 * dimensions ablates the other input positions only. Outputs are never fixed: they are measured.
 */
export function keepOnlyUnits(g: ModelGraph, kept: readonly Unit[]): Unit[] {
  const keep = new Set(kept.map(([s, n]) => `${s}:${n}`));
  const roleOf = (s: number) => layerOf(g, g.stages[s]!.layer).role;
  const roles = new Set(kept.map(([s]) => roleOf(s)));
  const out: Unit[] = [];
  g.stages.forEach((_, s) => {
    const role = roleOf(s);
    if (role === 'output' || !roles.has(role)) return;
    for (let n = 0; n < stageWidth(g, s); n++) if (!keep.has(`${s}:${n}`)) out.push([s, n]);
  });
  return out;
}

/** Probe fixes of `units`: per stage, neuron -> value(stage, neuron) (0, or its mean on the training split). */
export function ablationFixes(g: ModelGraph, units: readonly Unit[], value: (stage: number, neuron: number) => number): Map<number, Map<number, number>> {
  const fix = new Map<number, Map<number, number>>();
  for (const [s, n] of units) {
    if (s < 0 || s >= g.stages.length) throw new RangeError(`ablationFixes: stage ${s} of ${g.stages.length}`);
    let m = fix.get(s);
    if (!m) fix.set(s, (m = new Map()));
    m.set(n, value(s, n));
  }
  return fix;
}

/** Whether stage s is neither the input nor the output: where `--each neuron` and modules ablate. */
function isInside(g: ModelGraph, s: number): boolean {
  const role = layerOf(g, g.stages[s]!.layer).role;
  return role === 'hidden' || role === 'stream';
}

function unitsOf(net: Network, labels: Labels, graph: NetworkGraph, t: AblationTarget, score: EdgeScore): Unit[] {
  const g = net.graph;
  switch (t.kind) {
    case 'neuron': {
      const s = stageOf(g, t.layer, `--neuron ${t.layer}:${t.unit}`);
      return [[s, neuronOf(net, labels, s, t.unit, `--neuron ${t.layer}:${t.unit}`)]];
    }
    case 'module': {
      const m = graph.modules[t.k - 1];
      if (!m) throw new BimtError(`--module ${t.k}: the pruned graph (threshold ${graph.threshold}) has ${countOf(graph.modules.length, 'module')} (1..${graph.modules.length})`);
      return m.neurons.filter(([s]) => isInside(g, s));
    }
    case 'community': {
      const all = communityMembers(net, graph, score);
      const c = all[t.k - 1];
      if (!c) throw new BimtError(`--community ${t.k}: the pruned graph (threshold ${graph.threshold}) has ${countOf(all.length, 'community', 'communities')} (1..${all.length})`);
      return c.filter(([s]) => isInside(g, s));
    }
    case 'embedding-dim': {
      const e = embeddingOf(g);
      if (!e) throw new BimtError(`--embedding-dim ${t.d}: this network reads features, not tokens; it has no embedding (use --neuron input:<index or label>)`);
      if (!(Number.isInteger(t.d) && t.d >= 0 && t.d < e.dim)) throw new BimtError(`--embedding-dim ${t.d}: the embedding has dimensions 0..${e.dim - 1}`);
      const nf = inputPositions(g.arch);
      const j = net.inPerm.indexOf(t.d);
      return Array.from({ length: g.stages[0]!.folds }, (_, f): Unit => [0, f * nf + j]);
    }
    case 'head': {
      const attention = g.layers.filter((l) => l.activation === 'attention');
      const what = `--head ${t.block}:${t.h}`;
      if (attention.length === 0) throw new BimtError(`${what}: this network has no attention layer (heads are a transformer's; use --neuron or --module)`);
      const layer = attention[t.block];
      if (!layer || !Number.isInteger(t.block)) throw new BimtError(`${what}: the network has blocks 0..${attention.length - 1}`);
      if (!(Number.isInteger(t.h) && t.h >= 0 && t.h < layer.heads)) throw new BimtError(`${what}: ${layer.name} has heads 0..${layer.heads - 1}`);
      const s = g.stages.findIndex((st) => st.layer === layer.name);
      const hd = layer.size / layer.heads;
      return Array.from({ length: hd }, (_, i): Unit => [s, t.h * hd + i]);
    }
  }
}

function countOf(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The stage of `--neuron`'s layer: a stage index, or the first stage of a named layer. */
function stageOf(g: ModelGraph, layer: string, what: string): number {
  if (/^\d+$/.test(layer)) {
    const s = Number(layer);
    if (s < g.stages.length) return s;
    throw new BimtError(`${what}: the network has stages 0..${g.stages.length - 1}`);
  }
  const s = g.stages.findIndex((st) => st.layer === layer);
  if (s < 0) throw new BimtError(`${what}: no layer ${layer} (layers: ${g.layers.map((l) => l.name).join(', ')}; or a stage 0..${g.stages.length - 1})`);
  return s;
}

/** Neuron `unit` of stage s: an index, or an input's or output's label as graph.json gives it. */
function neuronOf(net: Network, labels: Labels, s: number, unit: string, what: string): number {
  const width = stageWidth(net.graph, s);
  if (/^\d+$/.test(unit)) {
    const n = Number(unit);
    if (n < width) return n;
    throw new BimtError(`${what}: index out of range (${net.graph.stages[s]!.layer} has neurons 0..${width - 1})`);
  }
  const last = net.graph.stages.length - 1;
  const label = s === 0 ? (n: number) => inputLabel(net, labels, n) : s === last ? (n: number) => outputLabel(net, labels, n) : undefined;
  for (let n = 0; label && n < width; n++) if (label(n) === unit) return n;
  throw new BimtError(`${what}: no neuron of ${net.graph.stages[s]!.layer} is labelled ${unit}${label ? '' : ' (only inputs and outputs have labels; give an index)'}`);
}

/** The units with every stage of a shared layer listed, each once, in stage order. */
function spread(g: ModelGraph, units: readonly Unit[]): Unit[] {
  const keys = new Set<string>();
  const out: Unit[] = [];
  for (const [s, n] of units) {
    const layer = g.stages[s]!.layer;
    g.stages.forEach((st, t) => {
      if (st.layer !== layer || keys.has(`${t}:${n}`)) return;
      keys.add(`${t}:${n}`);
      out.push([t, n]);
    });
  }
  return out.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

/** Inputs and outputs of the graph modules that hold a unit, and the labels of input or output units themselves. */
function touched(net: Network, labels: Labels, graph: NetworkGraph, units: readonly Unit[]): { inputs: string[]; outputs: string[] } {
  const keys = new Set(units.map(([s, n]) => `${s}:${n}`));
  const inputs = new Set<string>();
  const outputs = new Set<string>();
  const last = net.graph.stages.length - 1;
  for (const m of graph.modules) {
    if (!m.neurons.some(([s, n]) => keys.has(`${s}:${n}`))) continue;
    m.inputs.forEach((l) => inputs.add(l));
    m.outputs.forEach((l) => outputs.add(l));
  }
  for (const [s, n] of units) {
    if (s === 0) inputs.add(inputLabel(net, labels, n));
    if (s === last) outputs.add(outputLabel(net, labels, n));
  }
  return { inputs: [...inputs], outputs: [...outputs] };
}
