/**
 * A population trained as one computation (docs/design.md, "Populations"): K networks of the same
 * shape, each with its own seed, lambda, data order and relocation, held in tensors with a leading
 * model axis (every weight [K, N_l, N_{l+1}], every batch [K, rows, features]), so one batched
 * matMul does the work of K small ones. A GPU is idle with one network of 20-neuron layers; with
 * 64 of them it is not.
 *
 * Each member runs its own training loop (src/train/loop.ts) against a `TrainingEngine` that is a
 * view of its slice: reads, writes after relocation and evaluations touch slice k only, and
 * `step` waits until every member still training has asked for its step, then makes one batched
 * Adam update of sum_k (task loss_k + lambda_k * cost_k). The members' terms share no parameter,
 * so member k's gradient, and with Adam's per-member state its update, is what it would be alone
 * (test/population.test.ts holds it to a separate tfjs run, swaps included).
 *
 * Scope: MLPs with feature inputs and class or value targets (`whyNotBatchable`); the population
 * launcher runs other members one by one.
 */
import * as tf from '@tensorflow/tfjs';
import type { AdamSettings } from '../config/plan.js';
import { connectionCostTensor, stackCoefficients, type CostFactors } from '../model/connection-cost-tfjs.js';
import { inputIndex, mlpForward, outputMatrix } from '../model/mlp-tfjs.js';
import { numel, weightSpecs, type ModelGraph } from '../model/model-graph.js';
import type { ClassLoss } from '../model/host-mlp.js';
import { listFromParams, paramsFromList, type Params } from '../model/network.js';
import { readTensors } from '../model/tf-variables.js';
import type { OptimizerState } from '../runs/checkpoint.js';
import type { TargetSpec, TaskInstance } from '../tasks/task.js';
import type { EngineSetup, TrainingEngine } from './engine.js';
import { adamCoefficients, adamUpdate, type AdamCoefficients } from './adam-tfjs.js';
import { evaluationOf, splitValues, taskLoss, type TaskEvaluation } from './evaluate.js';
import { Barrier } from './population-barrier.js';

/** Why a network cannot train in a batched population, or undefined when it can. */
export function whyNotBatchable(graph: ModelGraph, task: TaskInstance): string | undefined {
  if (graph.arch.kind !== 'mlp') return 'a transformer has no batched forward pass';
  if (graph.arch.embedding || task.inputs.kind !== 'features') return 'token inputs (an embedding) have no batched forward pass';
  if (task.targets.kind === 'sequence') return 'sequence targets have no batched loss';
  return undefined;
}

/**
 * Hands each member its engine once all K have asked (their loops start at different moments),
 * and makes the batch then. A member whose run fails before asking must `leave`, or the others
 * would wait for it forever.
 */
export class PopulationGate {
  private readonly barrier: Barrier<EngineSetup, TrainingEngine>;
  private batch: PopulationBatch | undefined;
  /** Member k's slot in the batch (members that left before it was made have none). */
  private readonly slots = new Map<number, number>();

  constructor(readonly size: number) {
    this.barrier = new Barrier<EngineSetup, TrainingEngine>(Array.from({ length: size }, (_, k) => k), (setups) => {
      const members = [...setups.keys()].sort((a, b) => a - b);
      const batch = new PopulationBatch(members.map((k) => setups.get(k)!));
      this.batch = batch;
      members.forEach((k, slot) => this.slots.set(k, slot));
      return (k) => new MemberEngine(batch, this.slots.get(k)!, () => this.leave(k));
    });
  }

  /** Member k's engine, once every member still present has asked for its own. */
  engineFor(k: number, setup: EngineSetup): Promise<TrainingEngine> {
    return this.barrier.arrive(k, setup);
  }

  /** Member k will not ask (its run failed first), or has finished: the batch goes on without it. */
  leave(k: number): void {
    const slot = this.slots.get(k);
    if (this.batch && slot !== undefined) this.batch.leave(slot);
    else this.barrier.leave(k);
  }
}

interface StepRequest {
  readonly lambda: number;
  readonly withBias: boolean;
  readonly rows: Int32Array | undefined;
}

/** Train and test data of every member, [K, n, ...]. */
interface StackedSplit {
  readonly n: number;
  readonly x: tf.Tensor3D;
  readonly y: tf.Tensor3D;
  /** [K, n] class labels (classes only). */
  readonly labels?: tf.Tensor2D;
}

/** The batched tensors and the lockstep of K members' updates. */
export class PopulationBatch {
  readonly K: number;
  private readonly graph: ModelGraph;
  private readonly targets: TargetSpec;
  private readonly classLoss: ClassLoss;
  private readonly adam: readonly AdamSettings[];
  /** Per tensor of the graph, [K, ...shape]. */
  private readonly vars: Map<string, tf.Variable>;
  private readonly m: Map<string, tf.Variable>;
  private readonly v: Map<string, tf.Variable>;
  private readonly t: number[];
  /** Every member's cost coefficients, stacked (connection-cost-tfjs.ts `stackCoefficients`). */
  private readonly cost: { readonly coef: CostFactors<readonly number[]>; readonly tensors: ReadonlyMap<string, tf.Tensor> };
  private readonly train: StackedSplit;
  private readonly evalTrain: StackedSplit;
  private readonly evalTest: StackedSplit;
  private readonly inPerms: Int32Array[];
  private readonly outPerms: Int32Array[];
  private permutations: { inIndex: tf.Tensor2D; outMatrix: tf.Tensor3D } | undefined;
  /** Every member's step request, until all that are still training have made theirs. */
  private readonly lockstep: Barrier<StepRequest, void>;
  /** Bumped by every update: host copies of an older version are stale. */
  private version = 0;
  /** Bumped by every member's load: a read that began before one is not cached. */
  private writes = 0;
  private paramCache: { version: number; arrays: Float32Array[] } | undefined;
  private momentCache: { version: number; m: Float32Array[]; v: Float32Array[] } | undefined;
  private evalCache: { version: number; rows: TaskEvaluation[]; stale: Set<number> } | undefined;

  constructor(setups: readonly EngineSetup[]) {
    const first = setups[0]!;
    this.K = setups.length;
    this.graph = first.net.graph;
    this.targets = first.task.targets;
    this.classLoss = first.classLoss;
    const why = whyNotBatchable(this.graph, first.task);
    if (why) throw new Error(`a batched population cannot train this network: ${why}`);
    for (const s of setups) {
      if (JSON.stringify(s.net.graph.arch) !== JSON.stringify(this.graph.arch)) throw new Error('a population\'s members must have one architecture');
      if (s.task.train.n !== first.task.train.n || (s.evalTask ?? s.task).test.n !== (first.evalTask ?? first.task).test.n) throw new Error('a population\'s members must have as many rows each');
      if (s.classLoss !== first.classLoss || JSON.stringify(s.task.targets) !== JSON.stringify(this.targets)) throw new Error('a population\'s members must have one loss');
    }
    this.adam = setups.map((s) => s.adam);
    this.inPerms = setups.map((s) => s.net.inPerm.slice());
    this.outPerms = setups.map((s) => s.net.outPerm.slice());
    this.lockstep = new Barrier<StepRequest, void>(setups.map((_, k) => k), (requests) => {
      this.update(requests);
      return () => undefined;
    });
    this.vars = this.stackVariables(setups.map((s) => s.net.params));
    this.m = this.stackVariables(setups.map((s) => s.optimizer?.m), true);
    this.v = this.stackVariables(setups.map((s) => s.optimizer?.v), true);
    this.t = setups.map((s) => s.optimizer?.t ?? 0);
    this.cost = stackCoefficients(this.graph, setups.map((s) => s.costCoef));
    this.train = stackSplit(setups.map((s) => s.task), 'train');
    // output.eval_rows' subsets where a member has them; otherwise the training split is evaluated as uploaded.
    const ownEvalRows = setups.some((s) => s.evalTask && s.evalTask !== s.task);
    this.evalTrain = ownEvalRows ? stackSplit(setups.map((s) => s.evalTask ?? s.task), 'train') : this.train;
    this.evalTest = stackSplit(setups.map((s) => s.evalTask ?? s.task), 'test');
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

  // ---- the lockstep ----

  /** Member k's next update; resolves once the batched update that includes it is made. */
  step(k: number, lambda: number, withBias: boolean, rows: Int32Array | undefined): Promise<void> {
    return this.lockstep.arrive(k, { lambda, withBias, rows });
  }

  /** Member k's loop has ended: later updates no longer wait for it. */
  leave(k: number): void {
    this.lockstep.leave(k);
    if (this.lockstep.members.size === 0) this.dispose();
  }

  /** One Adam update of every member; members that have left take a step with lambda 0 that nobody reads. */
  private update(requests: ReadonlyMap<number, StepRequest>): void {
    const K = this.K;
    const lambda = Array.from({ length: K }, (_, k) => requests.get(k)?.lambda ?? 0);
    const withBias = Array.from({ length: K }, (_, k) => requests.get(k)?.withBias ?? false);
    const rowsOf = [...requests.values()].map((r) => r.rows);
    const batch = rowsOf[0] === undefined ? undefined : this.gatherRows(requests);
    if (batch === undefined && rowsOf.some((r) => r !== undefined)) throw new Error('a population\'s members must all train on full batches or all on mini-batches');
    const split = batch ?? this.train;
    const vars = [...this.vars.values()];
    const { value, grads } = tf.variableGrads(() => {
      const loss = this.taskLoss(this.forward(split.x), split);
      const cost = this.costTerm(lambda, withBias);
      return cost ? tf.add(loss, cost) : loss;
    }, vars);
    for (const k of requests.keys()) this.t[k]!++;
    // A tensor the loss does not read has no gradient: zero, as tfjs-engine.ts gives it.
    const zeros = vars.filter((x) => !grads[x.name]).map((x) => tf.zerosLike(x));
    let z = 0;
    this.applyAdam(vars.map((x) => grads[x.name] ?? zeros[z++]!));
    tf.dispose([value, ...Object.values(grads), ...zeros]);
    if (batch) tf.dispose([batch.x, batch.y, ...(batch.labels ? [batch.labels] : [])]);
    this.version++;
  }

  /** Member k's rows of the training split, [K, rows, ...] (a member that has left reuses row 0). */
  private gatherRows(requests: ReadonlyMap<number, StepRequest>): StackedSplit {
    const B = [...requests.values()][0]!.rows!.length;
    const N = this.train.n;
    const flat = new Int32Array(this.K * B);
    for (let k = 0; k < this.K; k++) {
      const rows = requests.get(k)?.rows;
      if (rows && rows.length !== B) throw new Error('a population\'s members must draw batches of one size');
      for (let i = 0; i < B; i++) flat[k * B + i] = k * N + (rows ? rows[i]! : 0);
    }
    return tf.tidy(() => {
      const idx = tf.tensor1d(flat, 'int32');
      const take = (t: tf.Tensor) => tf.reshape(tf.gather(tf.reshape(t, [this.K * N, ...t.shape.slice(2)]), idx), [this.K, B, ...t.shape.slice(2)]);
      return {
        n: B,
        x: take(this.train.x) as tf.Tensor3D,
        y: take(this.train.y) as tf.Tensor3D,
        ...(this.train.labels ? { labels: take(this.train.labels) as tf.Tensor2D } : {}),
      };
    });
  }

  // ---- the arithmetic ----

  /** Predictions [K, n, outputs] in every member's original output order (mlp-tfjs.ts's forward of K networks). */
  private forward(x: tf.Tensor3D): tf.Tensor3D {
    const { inIndex, outMatrix } = this.permutationTensors();
    const linears = weightSpecs(this.graph);
    const weights = linears.map((w) => this.vars.get(w.name) as tf.Tensor3D);
    const biases = linears.map((w) => this.vars.get(w.bias) as tf.Tensor2D);
    return mlpForward({ weights, biases, outMatrix }, { kind: 'features', x, inIndex });
  }

  /** sum_k of member k's mean task loss: evaluate.ts's loss over all K * n rows (one mean), times K. */
  private taskLoss(pred: tf.Tensor3D, s: StackedSplit): tf.Scalar {
    const width = (t: tf.Tensor3D) => tf.reshape(t, [-1, t.shape[2]]) as tf.Tensor2D;
    return tf.mul(taskLoss(this.targets, width(pred), { y: width(s.y) }, this.classLoss), this.K);
  }

  /** sum_k lambda_k * cost_k (connection-cost-tfjs.ts's cost of K networks), or undefined when every lambda is 0. */
  private costTerm(lambda: readonly number[], withBias: readonly boolean[]): tf.Scalar | undefined {
    if (lambda.every((x) => x === 0)) return undefined;
    const costs = connectionCostTensor(this.vars, this.cost.coef, this.cost.tensors, withBias);
    return tf.sum(tf.mul(costs, tf.tensor1d([...lambda]))) as tf.Scalar;
  }

  /** adam-tfjs.ts's update with each member's own settings and update count. */
  private applyAdam(grads: readonly tf.Tensor[]): void {
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
  }

  /** Each member's permutations: input column indices [K, N_0] and output matrices [K, N_L, N_L] (as bio-model.ts makes them for one). */
  private permutationTensors(): { inIndex: tf.Tensor2D; outMatrix: tf.Tensor3D } {
    if (this.permutations) return this.permutations;
    const arch = this.graph.arch;
    if (arch.kind !== 'mlp') throw new Error('unreachable: batchable');
    const n0 = arch.widths[0]!;
    const inIndex = new Int32Array(this.K * n0);
    this.inPerms.forEach((p, k) => inIndex.set(inputIndex(arch, p), k * n0));
    // Kept: they are made inside the update's or the evaluation's scope, and live until the next load.
    this.permutations = {
      inIndex: tf.keep(tf.tensor2d(inIndex, [this.K, n0], 'int32')),
      outMatrix: tf.keep(tf.tidy(() => tf.stack(this.outPerms.map(outputMatrix)) as tf.Tensor3D)),
    };
    return this.permutations;
  }

  // ---- one member's view ----

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

  load(k: number, params: Params, inPerm: Int32Array, outPerm: Int32Array): void {
    this.writes++;
    this.writeSlice(this.vars, k, listFromParams(this.graph, params));
    if (this.paramCache?.version === this.version) this.setSlices(this.paramCache.arrays, k, listFromParams(this.graph, params));
    this.inPerms[k] = inPerm.slice();
    this.outPerms[k] = outPerm.slice();
    if (this.permutations) tf.dispose([this.permutations.inIndex, this.permutations.outMatrix]);
    this.permutations = undefined;
    this.evalCache?.stale.add(k);
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
    this.writes++;
    this.writeSlice(this.m, k, listFromParams(this.graph, m));
    this.writeSlice(this.v, k, listFromParams(this.graph, v));
    if (this.momentCache?.version === this.version) {
      this.setSlices(this.momentCache.m, k, listFromParams(this.graph, m));
      this.setSlices(this.momentCache.v, k, listFromParams(this.graph, v));
    }
  }

  updates(k: number): number {
    return this.t[k]!;
  }

  /** Member k's evaluation; one batched evaluation serves every member until an update or k's own load. */
  async evaluate(k: number): Promise<TaskEvaluation> {
    const c = this.evalCache;
    if (c && c.version === this.version && !c.stale.has(k)) return c.rows[k]!;
    const writes = this.writes;
    const values = tf.tidy(() => tf.stack(this.memberEvaluations()));
    const [flat] = await readTensors([values]);
    values.dispose();
    const width = flat!.length / this.K;
    const rows = Array.from({ length: this.K }, (_, j) => evaluationOf(this.targets, flat!.subarray(j * width, (j + 1) * width)));
    if (writes === this.writes) this.evalCache = { version: this.version, rows, stale: new Set() };
    return rows[k]!;
  }

  /** Each member's evaluation values, as evaluate.ts lays them out, from one batched forward pass per split. */
  private memberEvaluations(): tf.Tensor1D[] {
    const splits = [this.evalTrain, this.evalTest].map((s) => ({ s, pred: this.forward(s.x) }));
    return Array.from({ length: this.K }, (_, k) =>
      tf.concat(
        splits.flatMap(({ s, pred }) => {
          const member = <T extends tf.Tensor>(t: T) => tf.squeeze(tf.slice(t, [k], [1]), [0]);
          const split = { y: member(s.y) as tf.Tensor2D, ...(s.labels ? { labels: member(s.labels) as tf.Tensor1D } : {}) };
          return splitValues(this.targets, member(pred) as tf.Tensor2D, split, this.classLoss);
        }),
      ) as tf.Tensor1D,
    );
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

  private disposed = false;

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const splits = [this.train, this.evalTrain, this.evalTest];
    tf.dispose([
      ...this.vars.values(),
      ...this.m.values(),
      ...this.v.values(),
      ...this.cost.tensors.values(),
      ...new Set(splits.flatMap((s) => [s.x, s.y, ...(s.labels ? [s.labels] : [])])),
      ...(this.permutations ? [this.permutations.inIndex, this.permutations.outMatrix] : []),
    ]);
  }
}

/** Member k's engine: its slice of the batch. */
class MemberEngine implements TrainingEngine {
  readonly name = 'population';
  private left = false;

  constructor(
    private readonly batch: PopulationBatch,
    private readonly k: number,
    private readonly onLeave: () => void,
  ) {}

  get updates(): number {
    return this.batch.updates(this.k);
  }

  step(lambda: number, withBias: boolean, rows?: Int32Array): Promise<void> {
    return this.batch.step(this.k, lambda, withBias, rows);
  }

  readParams(): Promise<Params> {
    return this.batch.readParams(this.k);
  }

  load(params: Params, inPerm: Int32Array, outPerm: Int32Array): void {
    this.batch.load(this.k, params, inPerm, outPerm);
  }

  readOptimizer(): Promise<OptimizerState> {
    return this.batch.readOptimizer(this.k);
  }

  loadMoments(m: Params, v: Params): void {
    this.batch.loadMoments(this.k, m, v);
  }

  evaluate(): Promise<TaskEvaluation> {
    return this.batch.evaluate(this.k);
  }

  dispose(): void {
    if (this.left) return;
    this.left = true;
    this.onLeave();
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

/** One split of every member's task, stacked [K, n, ...] (classes: one-hot targets and labels, as data.ts makes them). */
function stackSplit(tasks: readonly TaskInstance[], which: 'train' | 'test'): StackedSplit {
  const K = tasks.length;
  const t0 = tasks[0]!;
  const n = t0[which].n;
  if (t0.inputs.kind !== 'features') throw new Error('unreachable: batchable');
  const dim = t0.inputs.dim;
  const x = new Float32Array(K * n * dim);
  tasks.forEach((t, k) => x.set(t[which].x as Float32Array, k * n * dim));
  const spec = t0.targets;
  if (spec.kind === 'classes') {
    const labels = new Int32Array(K * n);
    tasks.forEach((t, k) => labels.set(t[which].y as Int32Array, k * n));
    const l = tf.tensor2d(labels, [K, n], 'int32');
    return { n, x: tf.tensor3d(x, [K, n, dim]), labels: l, y: tf.tidy(() => tf.cast(tf.oneHot(l, spec.count), 'float32') as tf.Tensor3D) };
  }
  if (spec.kind !== 'values') throw new Error('unreachable: batchable');
  const y = new Float32Array(K * n * spec.dim);
  tasks.forEach((t, k) => y.set(t[which].y as Float32Array, k * n * spec.dim));
  return { n, x: tf.tensor3d(x, [K, n, dim]), y: tf.tensor3d(y, [K, n, spec.dim]) };
}
