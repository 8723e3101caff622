/**
 * Probes (docs/design.md, "Probes"): one forward pass that every question asked of a trained
 * network goes through: its outputs on any inputs (`bimt eval`), every stage's activations, and
 * knock-outs (`bimt ablate`: a neuron held at 0 or at its mean). Each architecture's host forward
 * pass calls the same stage hook (ops/stage-probe.ts) at every stage of the model graph, so every
 * kind evaluates the same way; `probeNetwork` picks the pass by the graph's kind (PROBES).
 *
 *     // the hidden layer of a two-moons MLP, with its neuron 3 knocked out
 *     const hidden = new Map<number, Float64Array>();
 *     const y = probeNetwork(net, test.x, test.n, {
 *       fix: new Map([[1, new Map([[3, 0]])]]),
 *       record: (s, values) => hidden.set(s, values.slice()),
 *     });
 */
import { definitionOf, forGraph, type PerKind } from './architectures/registry.js';
import { HostMlp } from './host-mlp.js';
import { StageProbe, type StageFixes } from './ops/stage-probe.js';
import { stageWidth } from './model-graph.js';
import type { Network } from './network.js';
import { HostTransformer } from './transformer-host.js';

/** What a forward pass does at each stage of the model graph (graph.stages[s]; docs/design.md, "Probes"). */
export interface Probe {
  /**
   * Per stage index s: neuron index -> the value that neuron's output is held at (0: zero
   * ablation; a mean: mean ablation). Neuron indices are graph.json's (src/bimt/graph.ts
   * GraphNeuron.index): positions of the stage's layer, fold copies of a folded input counted
   * separately (f * size + j). A transformer neuron is held at that value at every token
   * position. A layer used by several stages (a transformer's residual stream) is fixed only
   * where a stage lists it; the ablation layer above lists every stream stage to ablate a position
   * "wherever it is read".
   */
  readonly fix?: StageFixes;
  /**
   * Called once per stage, input first, after the whole pass, with its values after `fix`:
   * [n, width] row-major (transformers [n, T, width]), width = stage neurons as graph.json counts
   * them. The array may be reused: copy what you keep.
   */
  readonly record?: (stage: number, values: Float64Array) => void;
}

/** Rows (MLP samples, transformer sequences) per chunk of a pass: memory stays bounded at any n. */
const CHUNK_ROWS = 256;

type Pass = (net: Network, x: Float32Array | Int32Array, n: number, probe: StageProbe | undefined) => Float64Array;

/** Each architecture's forward-only host pass with a probe at every stage (docs/design.md, "Architecture registry"). */
const PROBES: PerKind<Pass> = {
  mlp: (graph) => (net, x, n, probe) => {
    const { widths, inFold, embedding } = graph.arch;
    if (embedding) checkRows(x, n, inFold, Int32Array);
    else checkRows(x, n, widths[0], Float32Array);
    // The targets only shape a training pass's loss; predict returns the raw outputs.
    const outputs = widths[widths.length - 1];
    const host = new HostMlp(graph.arch, { kind: 'values', dim: outputs }, Math.max(1, Math.min(n, CHUNK_ROWS)));
    return host.predict(net.params, net.inPerm, net.outPerm, x, n, probe);
  },
  transformer: (graph) => (net, x, n, probe) => {
    const x32 = checkRows(x, n, graph.arch.seqLen * graph.arch.inDim, Float32Array);
    // No scored entries: they only shape a training pass's loss.
    const host = new HostTransformer(graph.arch, [], Math.max(1, Math.min(n, CHUNK_ROWS)));
    return host.predict(net.params, net.inPerm, net.outPerm, { n, x: x32 }, undefined, probe);
  },
};

/** x as `type` [n, cols]; a RangeError (a caller's bug: splits are built for their network) otherwise. */
function checkRows<T extends Float32Array | Int32Array>(x: Float32Array | Int32Array, n: number, cols: number, type: { new (n: number): T }): T {
  if (!(x instanceof type)) throw new RangeError(`probeNetwork: inputs are ${x.constructor.name}, this network reads ${type.name}`);
  if (!(Number.isInteger(n) && n >= 0 && x.length === n * cols)) throw new RangeError(`probeNetwork: ${x.length} inputs for ${n} rows of ${cols}`);
  return x;
}

/**
 * The network's outputs on inputs x (a Split's x: features Float32Array [n, in_fold*features],
 * token ids Int32Array [n, in_fold], sequences Float32Array [n, T*inDim]), in the task's output
 * order, float64 [n, outputs] (sequences [n, T*outDim]), with the probe applied; rows in chunks so
 * the work buffers stay bounded (recording keeps every stage's [n, width] until the pass ends).
 */
export function probeNetwork(net: Network, x: Float32Array | Int32Array, n: number, probe?: Probe): Float64Array {
  const graph = net.graph;
  const widths = graph.stages.map((_, s) => stageWidth(graph, s));
  // A transformer's probe rows are its tokens (the registry's rows per sample).
  const perRow = definitionOf(graph.arch).tokensPerSample(graph.arch);
  const stages = probe && (probe.fix?.size || probe.record) ? new StageProbe(widths, probe.fix, n * perRow, probe.record !== undefined) : undefined;
  const out = forGraph(graph, PROBES)(net, x, n, stages);
  if (probe?.record && stages?.recorded) stages.recorded.forEach((values, s) => probe.record!(s, values));
  return out;
}
