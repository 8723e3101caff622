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
 * This file is the wiring. The pieces: the lockstep, tfjs-free (population-barrier.ts); the
 * stacked variables, per-member Adam and host caches (population-state.ts); the stacked data
 * (population-data.ts); the maths of one network with a leading K axis (src/model/mlp-tfjs.ts's
 * forward, connection-cost-tfjs.ts's cost).
 *
 * Scope: MLPs with feature inputs and class or value targets (`whyNotBatchable`); the population
 * launcher runs other members one by one.
 */
import * as tf from '@tensorflow/tfjs';
import { connectionCostTensor, stackCoefficients, type CostFactors } from '../model/connection-cost-tfjs.js';
import { mlpForward } from '../model/mlp-tfjs.js';
import type { ModelGraph } from '../model/model-graph.js';
import { definitionOf, graphOfKind } from '../model/architectures/registry.js';
import type { ClassLoss } from '../model/host-mlp.js';
import type { Params } from '../model/network.js';
import { readTensors } from '../model/tf-variables.js';
import type { OptimizerState } from '../runs/checkpoint.js';
import type { TargetSpec, TaskInstance } from '../tasks/task.js';
import type { EngineSetup, TrainingEngine } from './engine.js';
import { evaluationOf, splitValues, taskLoss, type TaskEvaluation } from './evaluate.js';
import { Barrier } from './population-barrier.js';
import { gatherRows, splitTensors, stackSplit, type StackedSplit } from './population-data.js';
import { PopulationState } from './population-state.js';

/** Why a network cannot train in a batched population, or undefined when it can. */
export function whyNotBatchable(graph: ModelGraph, task: TaskInstance): string | undefined {
  const why = definitionOf(graph.arch).notBatchable(graph.arch);
  if (why) return why;
  if (task.inputs.kind !== 'features') return 'token inputs (an embedding) have no batched forward pass';
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
      return (k) => new MemberEngine(batch, batch.state, this.slots.get(k)!, () => this.leave(k));
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

/**
 * The batched step and evaluation of K members: the lockstep (population-barrier.ts) over the
 * state (population-state.ts) and the stacked data (population-data.ts), with mlp-tfjs.ts's
 * forward and connection-cost-tfjs.ts's cost of K networks.
 */
export class PopulationBatch {
  readonly K: number;
  readonly state: PopulationState;
  private readonly targets: TargetSpec;
  private readonly classLoss: ClassLoss;
  /** Every member's cost coefficients, stacked (connection-cost-tfjs.ts `stackCoefficients`). */
  private readonly cost: { readonly coef: CostFactors<readonly number[]>; readonly tensors: ReadonlyMap<string, tf.Tensor> };
  private readonly train: StackedSplit;
  private readonly evalTrain: StackedSplit;
  private readonly evalTest: StackedSplit;
  /** Every member's step request, until all that are still training have made theirs. */
  private readonly lockstep: Barrier<StepRequest, void>;
  private evalCache: { version: number; rows: TaskEvaluation[]; stale: Set<number> } | undefined;
  private disposed = false;

  constructor(setups: readonly EngineSetup[]) {
    const first = setups[0]!;
    this.K = setups.length;
    const why = whyNotBatchable(first.net.graph, first.task);
    // What batches is an MLP's forward pass with a leading K axis (src/model/mlp-tfjs.ts).
    const graph = graphOfKind(first.net.graph, 'mlp');
    if (why || !graph) throw new Error(`a batched population cannot train this network: ${why ?? 'not an MLP'}`);
    this.targets = first.task.targets;
    this.classLoss = first.classLoss;
    for (const s of setups) {
      if (JSON.stringify(s.net.graph.arch) !== JSON.stringify(graph.arch)) throw new Error('a population\'s members must have one architecture');
      if (s.task.train.n !== first.task.train.n || (s.evalTask ?? s.task).test.n !== (first.evalTask ?? first.task).test.n) throw new Error('a population\'s members must have as many rows each');
      if (s.classLoss !== first.classLoss || JSON.stringify(s.task.targets) !== JSON.stringify(this.targets)) throw new Error('a population\'s members must have one loss');
    }
    this.lockstep = new Barrier<StepRequest, void>(setups.map((_, k) => k), (requests) => {
      this.update(requests);
      return () => undefined;
    });
    this.state = new PopulationState(graph, setups);
    this.cost = stackCoefficients(graph, setups.map((s) => s.costCoef));
    this.train = stackSplit(setups.map((s) => s.task), 'train');
    // output.eval_rows' subsets where a member has them; otherwise the training split is evaluated as uploaded.
    const ownEvalRows = setups.some((s) => s.evalTask && s.evalTask !== s.task);
    this.evalTrain = ownEvalRows ? stackSplit(setups.map((s) => s.evalTask ?? s.task), 'train') : this.train;
    this.evalTest = stackSplit(setups.map((s) => s.evalTask ?? s.task), 'test');
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
    if (rowsOf.some((r) => r === undefined) && rowsOf.some((r) => r !== undefined)) throw new Error('a population\'s members must all train on full batches or all on mini-batches');
    const batch = rowsOf[0] === undefined ? undefined : gatherRows(this.train, Array.from({ length: K }, (_, k) => requests.get(k)?.rows));
    const split = batch ?? this.train;
    const vars = [...this.state.vars.values()];
    const { value, grads } = tf.variableGrads(() => {
      const loss = this.taskLoss(this.forward(split.x), split);
      const cost = this.costTerm(lambda, withBias);
      return cost ? tf.add(loss, cost) : loss;
    }, vars);
    // A tensor the loss does not read has no gradient: zero, as tfjs-engine.ts gives it.
    const zeros = vars.filter((x) => !grads[x.name]).map((x) => tf.zerosLike(x));
    let z = 0;
    this.state.applyAdam(
      vars.map((x) => grads[x.name] ?? zeros[z++]!),
      requests.keys(),
    );
    tf.dispose([value, ...Object.values(grads), ...zeros]);
    if (batch) tf.dispose(splitTensors(batch));
  }

  // ---- the arithmetic ----

  /** Predictions [K, n, outputs] in every member's original output order (mlp-tfjs.ts's forward of K networks). */
  private forward(x: tf.Tensor3D): tf.Tensor3D {
    return mlpForward(this.state.layers(), { kind: 'stacked features', x, inMatrix: this.state.permutationTensors().inMatrix });
  }

  /** sum_k of member k's mean task loss: evaluate.ts's loss over all K * n rows (one mean), times K. */
  private taskLoss(pred: tf.Tensor3D, s: StackedSplit): tf.Scalar {
    const width = (t: tf.Tensor3D) => tf.reshape(t, [-1, t.shape[2]]) as tf.Tensor2D;
    return tf.mul(taskLoss(this.targets, width(pred), { y: width(s.y) }, this.classLoss), this.K);
  }

  /** sum_k lambda_k * cost_k (connection-cost-tfjs.ts's cost of K networks), or undefined when every lambda is 0. */
  private costTerm(lambda: readonly number[], withBias: readonly boolean[]): tf.Scalar | undefined {
    if (lambda.every((x) => x === 0)) return undefined;
    const costs = connectionCostTensor(this.state.vars, this.cost.coef, this.cost.tensors, withBias);
    return tf.sum(tf.mul(costs, tf.tensor1d([...lambda]))) as tf.Scalar;
  }

  // ---- one member's view ----

  /** Member k's parameters and permutations (after relocation or resume). */
  load(k: number, params: Params, inPerm: Int32Array, outPerm: Int32Array): void {
    this.state.load(k, params, inPerm, outPerm);
    this.evalCache?.stale.add(k);
  }

  /** Member k's evaluation; one batched evaluation serves every member until an update or k's own load. */
  async evaluate(k: number): Promise<TaskEvaluation> {
    const c = this.evalCache;
    const version = this.state.version;
    if (c && c.version === version && !c.stale.has(k)) return c.rows[k]!;
    const writes = this.state.writes;
    const values = tf.tidy(() => tf.stack(this.memberEvaluations()));
    const [flat] = await readTensors([values]);
    values.dispose();
    const width = flat!.length / this.K;
    const rows = Array.from({ length: this.K }, (_, j) => evaluationOf(this.targets, flat!.subarray(j * width, (j + 1) * width)));
    if (writes === this.state.writes) this.evalCache = { version, rows, stale: new Set() };
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

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.state.dispose();
    tf.dispose([...this.cost.tensors.values(), ...new Set([this.train, this.evalTrain, this.evalTest].flatMap(splitTensors))]);
  }
}

/** Member k's engine: its slice of the batch. */
class MemberEngine implements TrainingEngine {
  readonly name = 'population';
  private left = false;

  constructor(
    private readonly batch: PopulationBatch,
    private readonly state: PopulationState,
    private readonly k: number,
    private readonly onLeave: () => void,
  ) {}

  get updates(): number {
    return this.state.updates(this.k);
  }

  step(lambda: number, withBias: boolean, rows?: Int32Array): Promise<void> {
    return this.batch.step(this.k, lambda, withBias, rows);
  }

  readParams(): Promise<Params> {
    return this.state.readParams(this.k);
  }

  load(params: Params, inPerm: Int32Array, outPerm: Int32Array): void {
    this.batch.load(this.k, params, inPerm, outPerm);
  }

  readOptimizer(): Promise<OptimizerState> {
    return this.state.readOptimizer(this.k);
  }

  loadMoments(m: Params, v: Params): void {
    this.state.loadMoments(this.k, m, v);
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
