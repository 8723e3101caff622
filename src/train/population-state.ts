/**
 * What a population holds between its steps (docs/design.md, "Populations"): K networks of one
 * MLP architecture, every tensor of the graph a variable with a leading model axis ([K, ...shape],
 * member k's in slice k), Adam's moments alike with each member's own settings and update count,
 * each member's permutations, and host copies of the whole batch cached until the next update.
 * One member's reads and writes touch its slice alone; the batched update is
 * population-engine.ts's.
 */
import * as tf from '@tensorflow/tfjs';
import type { AdamSettings } from '../config/plan.js';
import { inputIndex, inputMatrix, outputMatrix, type MlpTensors } from '../model/mlp-tfjs.js';
import { numel, weightSpecs, type MlpArchitecture, type ModelGraph } from '../model/model-graph.js';
import { listFromParams, paramsFromList, type Network, type Params } from '../model/network.js';
import { readTensors } from '../model/tf-variables.js';
import type { OptimizerState } from '../runs/checkpoint.js';
import { adamCoefficients, adamUpdate, type AdamCoefficients } from './adam-tfjs.js';

/** One member as the state starts from it: its network, Adam's settings and the moments it resumes from. */
export interface MemberStart {
  readonly net: Network;
  readonly adam: AdamSettings;
  readonly optimizer?: OptimizerState;
}

/** Each member's permutations as matrices (mlp-tfjs.ts `StackedFeatureInputs`): input [K, N_0, N_0], output [K, N_L, N_L]. */
export interface StackedPermutations {
  readonly inMatrix: tf.Tensor3D;
  readonly outMatrix: tf.Tensor3D;
}

export class PopulationState {
  readonly K: number;
  readonly graph: ModelGraph;
  private readonly arch: MlpArchitecture;
  private readonly adam: readonly AdamSettings[];
  /** Per tensor of the graph, in its canonical order: [K, ...shape]. */
  readonly vars: ReadonlyMap<string, tf.Variable>;
  private readonly m: Map<string, tf.Variable>;
  private readonly v: Map<string, tf.Variable>;
  /** Member k's Adam update count. */
  private readonly t: number[];
  private readonly inPerms: Int32Array[];
  private readonly outPerms: Int32Array[];
  private permutations: StackedPermutations | undefined;
  private versionNumber = 0;
  private writeNumber = 0;
  private paramCache: { version: number; arrays: Float32Array[] } | undefined;
  private momentCache: { version: number; m: Float32Array[]; v: Float32Array[] } | undefined;
  private disposed = false;

  constructor(graph: ModelGraph<MlpArchitecture>, members: readonly MemberStart[]) {
    this.K = members.length;
    this.graph = graph;
    this.arch = graph.arch;
    this.adam = members.map((s) => s.adam);
    this.inPerms = members.map((s) => s.net.inPerm.slice());
    this.outPerms = members.map((s) => s.net.outPerm.slice());
    this.vars = this.stackVariables(members.map((s) => s.net.params));
    this.m = this.stackVariables(members.map((s) => s.optimizer?.m), true);
    this.v = this.stackVariables(members.map((s) => s.optimizer?.v), true);
    this.t = members.map((s) => s.optimizer?.t ?? 0);
  }

  /** Bumped by every update: host copies of an older version are stale. */
  get version(): number {
    return this.versionNumber;
  }

  /** Bumped by every member's load: a read that began before one is not cached. */
  get writes(): number {
    return this.writeNumber;
  }

  private stackVariables(params: readonly (Params | undefined)[], zerosWhenAbsent = false): Map<string, tf.Variable> {
    return new Map(
      this.graph.tensors.map((t) => {
        const size = numel(t);
        const data = new Float32Array(this.K * size);
        params.forEach((p, k) => {
          const a = p?.get(t.name);
          if (a) data.set(a, k * size);
          else if (!zerosWhenAbsent) throw new Error(`member ${k} has no tensor ${t.name}`);
        });
        return [t.name, tf.tidy(() => tf.variable(tf.tensor(data, [this.K, ...t.shape]), !zerosWhenAbsent))];
      }),
    );
  }

  /** The weight layers as mlp-tfjs.ts's forward of K networks reads them, with the members' output permutations. */
  layers(): MlpTensors<tf.Tensor3D> {
    const linears = weightSpecs(this.graph);
    return {
      weights: linears.map((w) => this.vars.get(w.name) as tf.Tensor3D),
      biases: linears.map((w) => this.vars.get(w.bias) as tf.Tensor2D),
      outMatrix: this.permutationTensors().outMatrix,
    };
  }

  /** Each member's permutations as bio-model.ts makes them for one, stacked; made again after a member's load. */
  permutationTensors(): StackedPermutations {
    if (this.permutations) return this.permutations;
    // Kept: they are made inside the update's or the evaluation's scope, and live until the next load.
    const stack = (matrices: () => tf.Tensor2D[]) => tf.keep(tf.tidy(() => tf.stack(matrices()) as tf.Tensor3D));
    this.permutations = {
      inMatrix: stack(() => this.inPerms.map((p) => inputMatrix(inputIndex(this.arch, p)))),
      outMatrix: stack(() => this.outPerms.map((p) => outputMatrix(p))),
    };
    return this.permutations;
  }

  /**
   * One Adam update (adam-tfjs.ts's) of every member, with its own settings, after the members in
   * `stepped` count one update more; `grads` per tensor of the graph, [K, ...shape].
   */
  applyAdam(grads: readonly tf.Tensor[], stepped: Iterable<number>): void {
    for (const k of stepped) this.t[k]!++;
    const K = this.K;
    const perMember = this.adam.map((a, k) => adamCoefficients(a, Math.max(this.t[k]!, 1)));
    const anyDecay = perMember.some((c) => c.decay !== undefined);
    tf.tidy(() => {
      // Each coefficient as one [K] vector, reshaped to broadcast over each tensor's rank.
      const column = (f: (c: AdamCoefficients) => number) => tf.tensor1d(perMember.map(f));
      const vectors = {
        beta1: column((c) => c.beta1),
        oneMinusBeta1: column((c) => c.oneMinusBeta1),
        beta2: column((c) => c.beta2),
        oneMinusBeta2: column((c) => c.oneMinusBeta2),
        decay: anyDecay ? column((c) => c.decay ?? 1) : undefined,
        sqrtBiasCorrection2: column((c) => c.sqrtBiasCorrection2),
        eps: column((c) => c.eps),
        stepSize: column((c) => c.stepSize),
      };
      [...this.vars.values()].forEach((p, i) => {
        const name = this.graph.tensors[i]!.name;
        const shape = [K, ...p.shape.slice(1).map(() => 1)];
        const at = (x: tf.Tensor1D) => tf.reshape(x, shape);
        const c: AdamCoefficients<tf.Tensor> = {
          beta1: at(vectors.beta1),
          oneMinusBeta1: at(vectors.oneMinusBeta1),
          beta2: at(vectors.beta2),
          oneMinusBeta2: at(vectors.oneMinusBeta2),
          decay: vectors.decay && at(vectors.decay),
          sqrtBiasCorrection2: at(vectors.sqrtBiasCorrection2),
          eps: at(vectors.eps),
          stepSize: at(vectors.stepSize),
        };
        adamUpdate(p, grads[i]!, this.m.get(name)!, this.v.get(name)!, c);
      });
    });
    this.versionNumber++;
  }

  // ---- one member's slice ----

  async readParams(k: number): Promise<Params> {
    let arrays = this.paramCache?.version === this.version ? this.paramCache.arrays : undefined;
    if (!arrays) {
      const writes = this.writes;
      arrays = await readStable([...this.vars.values()]);
      // Another member's load during the read made its slice of these stale: not cached then.
      if (writes === this.writes) this.paramCache = { version: this.version, arrays };
    }
    return paramsFromList(this.graph, this.memberSlices(arrays, k));
  }

  /** Member k's parameters and permutations (after relocation or resume). */
  load(k: number, params: Params, inPerm: Int32Array, outPerm: Int32Array): void {
    this.writeNumber++;
    this.writeSlice(this.vars, k, listFromParams(this.graph, params));
    if (this.paramCache?.version === this.version) this.setSlices(this.paramCache.arrays, k, listFromParams(this.graph, params));
    this.inPerms[k] = inPerm.slice();
    this.outPerms[k] = outPerm.slice();
    this.disposePermutations();
  }

  async readOptimizer(k: number): Promise<OptimizerState> {
    let cached = this.momentCache?.version === this.version ? this.momentCache : undefined;
    if (!cached) {
      const writes = this.writes;
      const [m, v] = await Promise.all([readStable([...this.m.values()]), readStable([...this.v.values()])]);
      cached = { version: this.version, m, v };
      if (writes === this.writes) this.momentCache = cached;
    }
    const { m, v } = cached;
    return { m: paramsFromList(this.graph, this.memberSlices(m, k)), v: paramsFromList(this.graph, this.memberSlices(v, k)), t: this.t[k]! };
  }

  loadMoments(k: number, m: Params, v: Params): void {
    this.writeNumber++;
    this.writeSlice(this.m, k, listFromParams(this.graph, m));
    this.writeSlice(this.v, k, listFromParams(this.graph, v));
    if (this.momentCache?.version === this.version) {
      this.setSlices(this.momentCache.m, k, listFromParams(this.graph, m));
      this.setSlices(this.momentCache.v, k, listFromParams(this.graph, v));
    }
  }

  /** Member k's Adam update count. */
  updates(k: number): number {
    return this.t[k]!;
  }

  private memberSlices(arrays: readonly Float32Array[], k: number): Float32Array[] {
    return arrays.map((a) => {
      const size = a.length / this.K;
      return a.slice(k * size, (k + 1) * size);
    });
  }

  private setSlices(arrays: readonly Float32Array[], k: number, values: readonly Float32Array[]): void {
    arrays.forEach((a, i) => a.set(values[i]!, k * values[i]!.length));
  }

  /** Writes slice k of each variable (in the graph's order). */
  private writeSlice(vars: ReadonlyMap<string, tf.Variable>, k: number, values: readonly Float32Array[]): void {
    tf.tidy(() => {
      [...vars.values()].forEach((x, i) => {
        const inner = x.shape.slice(1);
        const parts: tf.Tensor[] = [];
        if (k > 0) parts.push(tf.slice(x, [0, ...inner.map(() => 0)], [k, ...inner]));
        parts.push(tf.tensor(values[i]!, [1, ...inner]));
        if (k < this.K - 1) parts.push(tf.slice(x, [k + 1, ...inner.map(() => 0)], [this.K - k - 1, ...inner]));
        x.assign(parts.length === 1 ? parts[0]! : tf.concat(parts, 0));
      });
    });
  }

  private disposePermutations(): void {
    if (this.permutations) tf.dispose([this.permutations.inMatrix, this.permutations.outMatrix]);
    this.permutations = undefined;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    tf.dispose([...this.vars.values(), ...this.m.values(), ...this.v.values()]);
    this.disposePermutations();
  }
}

/**
 * Host copies of variables, read through clones: another member's `load` may assign a variable
 * while the (asynchronous, on webgpu) read is under way, and a clone keeps the data it reads alive.
 */
async function readStable(vars: readonly tf.Variable[]): Promise<Float32Array[]> {
  const clones = vars.map((v) => tf.clone(v));
  try {
    return await readTensors(clones);
  } finally {
    tf.dispose(clones);
  }
}
