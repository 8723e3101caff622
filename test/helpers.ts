/** Small builders shared by the tests: random networks of any shape, on the real code paths. */
import type { HostSplit } from '../src/model/host-mlp.js';
import { identity, initNetwork } from '../src/model/init.js';
import { weightSpecs, type MlpArchitecture } from '../src/model/model-graph.js';
import { modelGraph } from '../src/model/architectures/registry.js';
import { inputPositions, type Architecture, type Network } from '../src/model/network.js';
import type { TargetSpec, TaskInstance } from '../src/tasks/task.js';
import { Rng } from '../src/util/random.js';

/** An MLP architecture (the `kind` tag the model graph needs). */
export function mlp(widths: readonly number[], inFold = 1, embedding?: { vocab: number; dim: number }): MlpArchitecture {
  return { kind: 'mlp', widths, inFold, ...(embedding ? { embedding } : {}) };
}

/**
 * A network with every parameter uniform in [-1, 1] (no exact zeros) and random permutations.
 * MLPs draw all weights, then all biases, then the embedding (the order these tests were written
 * against); other architectures draw every tensor in the graph's canonical order.
 */
export function randomNetwork(arch: Architecture, seed: number, shufflePerms = true): Network {
  const rng = new Rng(seed, 'test-network');
  const net = initNetwork(arch, 0);
  const fill = (name: string) => {
    const a = net.params.get(name)!;
    for (let i = 0; i < a.length; i++) a[i] = rng.range(-1, 1);
  };
  if (arch.kind === 'mlp') {
    const L = arch.widths.length - 1;
    for (let l = 0; l < L; l++) fill(`linears.${l}.linear.weight`);
    for (let l = 0; l < L; l++) fill(`linears.${l}.linear.bias`);
    if (arch.embedding) fill('embedding');
  } else {
    for (const t of net.graph.tensors) fill(t.name);
  }
  const inPerm = identity(inputPositions(arch));
  const outPerm = identity(net.outPerm.length);
  if (shufflePerms) {
    rng.shuffle(inPerm);
    rng.shuffle(outPerm);
  }
  return { graph: net.graph, params: net.params, inPerm, outPerm };
}

/**
 * An MLP network from per-layer arrays, the layout the tests write by hand: weights[l] is
 * [N_l, N_{l+1}] row-major, biases[l] has N_{l+1} entries. The arrays become the parameters
 * themselves (not copies). Permutations default to the identity.
 */
export function mlpNetwork(
  arch: MlpArchitecture,
  p: { weights: readonly Float32Array[]; biases: readonly Float32Array[]; embedding?: Float32Array },
  inPerm: Int32Array = identity(inputPositions(arch)),
  outPerm: Int32Array = identity(arch.widths[arch.widths.length - 1]),
): Network {
  const graph = modelGraph(arch);
  const params = new Map<string, Float32Array>();
  for (const t of graph.tensors) {
    const m = /^linears\.(\d+)\.linear\.(weight|bias)$/.exec(t.name);
    const a = m ? (m[2] === 'weight' ? p.weights : p.biases)[Number(m[1])] : t.name === 'embedding' ? p.embedding : undefined;
    if (!a) throw new Error(`mlpNetwork: no array for ${t.name}`);
    if (a.length !== t.shape.reduce((x, y) => x * y, 1)) throw new Error(`mlpNetwork: ${t.name} has ${a.length} entries, expected [${t.shape}]`);
    params.set(t.name, a);
  }
  return { graph, params, inPerm, outPerm };
}

/** Weight layer l of an MLP network ([N_l, N_{l+1}] row-major). */
export function W(net: Network, l: number): Float32Array {
  return net.params.get(`linears.${l}.linear.weight`)!;
}

/** Bias of weight layer l of an MLP network. */
export function B(net: Network, l: number): Float32Array {
  return net.params.get(`linears.${l}.linear.bias`)!;
}

/** The MLP architecture of a network (throws for a transformer). */
export function mlpArch(net: Network): MlpArchitecture {
  const a = net.graph.arch;
  if (a.kind !== 'mlp') throw new Error('not an MLP');
  return a;
}

/** A task whose splits hold features, so the host code paths take them as they are. */
export interface FeatureTask extends TaskInstance {
  readonly train: HostSplit;
  readonly test: HostSplit;
}

/** A task with random features and targets of the given kind (the engines only read the data). */
export function randomTask(arch: MlpArchitecture, targets: TargetSpec, n: number, seed: number): FeatureTask {
  const rng = new Rng(seed, 'host-mlp-test');
  const k = arch.widths[arch.widths.length - 1];
  const split = () => ({
    n,
    x: Float32Array.from({ length: n * arch.widths[0] }, () => rng.range(-1, 1)),
    y: targets.kind === 'values' ? Float32Array.from({ length: n * k }, () => rng.range(-1, 1)) : Int32Array.from({ length: n }, () => Math.floor(rng.range(0, k))),
  });
  return { inputs: { kind: 'features', dim: arch.widths[0] }, targets, train: split(), test: split(), inputLabels: [], outputLabels: [] };
}

/** Norm-wise relative difference of two arrays. */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

/** An architecture or model section known to be an MLP's, narrowed (tests of MLP configs). */
export function asMlp<T extends { kind?: string }>(a: T): Extract<T, { widths: unknown }> {
  if (a.kind === 'transformer') throw new Error('not an MLP');
  return a as Extract<T, { widths: unknown }>;
}

/** Every weight tensor of a network, in the graph's canonical order (an MLP's chain, input first). */
export function weightsOf(net: Network): Float32Array[] {
  return weightSpecs(net.graph).map((w) => net.params.get(w.name)!);
}
