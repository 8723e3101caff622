/**
 * A resolved config made, once, into what training uses (docs/design.md, "Config resolution"):
 * the model graph, the cost and swap coefficients, Adam's settings, the lambda and bias schedules,
 * the batching and the output cadence. The loop, the engines, the memory estimate, prune, plot and
 * the benchmark read this plan; none of them reads a config section, so a value's way from YAML to
 * its use is: schema (its default) -> resolve (step references) -> here -> its one user.
 *
 * Light on purpose: no tfjs, no allocation that grows with the network until a coefficient is
 * read, so the CLI plans a config too large to train and refuses it by the memory estimate.
 */
import { architectureFor } from './architecture.js';
import type { ResolvedConfig } from './resolve.js';
import type { TrainConfig } from './schema.js';
import { costCoefficients, type CostCoefficients, type CostSpec } from '../model/connection-cost.js';
import { type Architecture, type ModelGraph } from '../model/model-graph.js';
import { modelGraph } from '../model/architectures/registry.js';
import type { Split, TaskInstance } from '../tasks/task.js';
import type { ClassLoss } from '../model/host-mlp.js';
import { ConfigValueError } from '../errors.js';
import { Rng } from '../util/random.js';

/** Adam's settings (docs/design.md, "Optimizer and training loop"), from the config's train section. */
export interface AdamSettings {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** AdamW's decoupled weight decay; 0 gives Adam. */
  readonly weightDecay: number;
}

/** A cost's settings and the per-entry coefficients they give on the plan's graph. */
export interface CostPlan {
  readonly spec: CostSpec;
  /** Computed on first read (they are as large as the parameters) and kept. */
  readonly coef: CostCoefficients;
}

/** Relocation (docs/design.md, "Neuron swapping"). */
export interface SwapPlan {
  /** Relocate after every this many updates; 0: never. */
  readonly every: number;
  readonly topK: number;
  /** Whether input positions move too. */
  readonly swapInputs: boolean;
  /** Move Adam's moments with the weights (the reference does not). */
  readonly permuteOptimizerState: boolean;
  /** The cost the swap search minimises: the training cost's, or that with `swap.objective`'s overrides. */
  readonly cost: CostPlan;
}

/** The lambda and bias-penalty schedules, for the update with index `step` (0-based). */
export interface Schedule {
  /** Updates in the run (train.steps). */
  readonly steps: number;
  lambdaAt(step: number): number;
  biasOn(step: number): boolean;
  /** Each change of lambda, in step order, with the value from its step on (for plots). */
  readonly lambdaChanges: readonly { readonly step: number; readonly lambda: number }[];
}

/** How the rows of one update are chosen. */
export type Batching =
  | { readonly kind: 'full' }
  | {
      readonly kind: 'mini';
      readonly size: number;
      /** Shuffled epochs, or each batch drawn with replacement (src/train/batches.ts). */
      readonly sampling: TrainConfig['sampling'];
      /** The run's master seed (docs/design.md, "Config resolution"). */
      readonly seed: number;
    };

export interface OutputPlan {
  /** A metrics row after every this many updates (and after the last). */
  readonly evalEvery: number;
  /** A checkpoint after every this many updates (and after the last). */
  readonly checkpointEvery: number;
  /** |w| at or below this counts as zero in snapshots and the metrics' weight count. */
  readonly snapshotThreshold: number;
  /** Default threshold of prune and plot --pruned. */
  readonly pruneThreshold: number;
  /** output.eval_rows: at most this many rows of each split in metrics rows (absent: all). */
  readonly evalRows?: number;
}

export interface TrainingPlan {
  /** The data: the loop and the engines train on it, and its sizes decide the batches and engines. */
  readonly task: TaskInstance;
  /**
   * What metrics rows evaluate: `task` itself, or with output.eval_rows its splits cut to a fixed
   * seeded subset (`evaluationTask`). Training always uses all of `task.train`.
   */
  readonly evalTask: TaskInstance;
  readonly arch: Architecture;
  readonly graph: ModelGraph;
  /** Seed of the initialisation (model.seed, or the master seed). */
  readonly initSeed: number;
  /** The training cost: task loss + lambda * cost. */
  readonly cost: CostPlan;
  readonly swap: SwapPlan;
  readonly adam: AdamSettings;
  readonly schedule: Schedule;
  readonly batching: Batching;
  /** Rows of the training split one update uses (at most the split, unless drawn with replacement). */
  readonly batchRows: number;
  /** train.engine: a forced engine, or auto (src/train/choose-engine.ts decides). */
  readonly engine: TrainConfig['engine'];
  /** train.loss: the loss of class targets (other targets have their own). */
  readonly classLoss: ClassLoss;
  readonly output: OutputPlan;
}

/**
 * The plan of a resolved config on its task. Shape errors are ConfigValueErrors naming the key
 * (config loading has reported them already, at their lines, for a config it loaded).
 */
export function planTraining(cfg: ResolvedConfig, task: TaskInstance): TrainingPlan {
  const arch = architectureFor(cfg.model, task);
  const graph = modelGraph(arch);
  const training: CostSpec = {
    weightFactor: cfg.cost.weight_factor,
    l0: cfg.cost.l0,
    noPenalizeLast: cfg.cost.no_penalize_last,
    aggregate: cfg.cost.aggregate,
  };
  const cost = costPlan(graph, training);
  const o = cfg.swap.objective;
  // The reference's swap search calls get_cc with its defaults; `training` shares the coefficients.
  const swapCost =
    o === 'training'
      ? cost
      : costPlan(graph, { ...training, weightFactor: o.weight_factor ?? training.weightFactor, noPenalizeLast: o.no_penalize_last ?? training.noPenalizeLast });
  const t = cfg.train;
  if (t.loss !== undefined && task.targets.kind !== 'classes') {
    throw new ConfigValueError(['train', 'loss'], `${t.loss} is a loss for class targets, and this task's targets are ${task.targets.kind}; leave train.loss out`);
  }
  const batching: Batching = t.batch === 'full' ? { kind: 'full' } : { kind: 'mini', size: t.batch, sampling: t.sampling, seed: cfg.seed };
  return {
    task,
    evalTask: evaluationTask(task, cfg.output.eval_rows, cfg.seed),
    arch,
    graph,
    initSeed: cfg.model.seed,
    cost,
    swap: {
      every: cfg.swap.every,
      topK: cfg.swap.top_k,
      swapInputs: cfg.swap.inputs,
      permuteOptimizerState: cfg.swap.permute_optimizer_state,
      cost: swapCost,
    },
    adam: { lr: t.lr, beta1: t.beta1, beta2: t.beta2, eps: t.eps, weightDecay: t.weight_decay },
    schedule: trainingSchedule(cfg),
    batching,
    batchRows: batchRowsOf(batching, task.train.n),
    engine: t.engine,
    classLoss: t.loss ?? 'cross-entropy',
    output: {
      evalEvery: cfg.output.eval_every,
      checkpointEvery: cfg.output.checkpoint_every,
      snapshotThreshold: cfg.output.snapshot_threshold,
      pruneThreshold: cfg.output.prune_threshold,
      ...(cfg.output.eval_rows !== undefined ? { evalRows: cfg.output.eval_rows } : {}),
    },
  };
}

/**
 * The task metrics rows evaluate (docs/design.md, "Optimizer and training loop"): with `evalRows`,
 * each split longer than that cut to `evalRows` rows drawn at random from the run's master seed
 * (one stream per split), kept in the split's order; the same rows in every row of the run, and
 * after a resume. Without it, or when both splits are short enough, the task itself.
 */
export function evaluationTask(task: TaskInstance, evalRows: number | undefined, seed: number): TaskInstance {
  if (evalRows === undefined || (task.train.n <= evalRows && task.test.n <= evalRows)) return task;
  const cut = (s: Split, which: string): Split => {
    if (s.n <= evalRows) return s;
    const order = new Rng(seed, `eval-rows/${which}`).shuffle(Int32Array.from({ length: s.n }, (_, i) => i));
    return takeSplitRows(s, order.subarray(0, evalRows).sort());
  };
  return { ...task, train: cut(task.train, 'train'), test: cut(task.test, 'test') };
}

/** Rows `rows` of a split, in that order (inputs and targets of any shape: a row is n-th of the arrays). */
export function takeSplitRows(s: Split, rows: Int32Array): Split {
  const xw = s.x.length / s.n;
  const yw = s.y.length / s.n;
  const x = new (s.x.constructor as Float32ArrayConstructor | Int32ArrayConstructor)(rows.length * xw);
  const y = new (s.y.constructor as Float32ArrayConstructor | Int32ArrayConstructor)(rows.length * yw);
  rows.forEach((r, k) => {
    x.set(s.x.subarray(r * xw, (r + 1) * xw), k * xw);
    y.set(s.y.subarray(r * yw, (r + 1) * yw), k * yw);
  });
  return { n: rows.length, x, y };
}

function costPlan(graph: ModelGraph, spec: CostSpec): CostPlan {
  let coef: CostCoefficients | undefined;
  return {
    spec,
    get coef() {
      return (coef ??= costCoefficients(graph, spec));
    },
  };
}

/**
 * The schedules of a resolved config (they need no task). Lambda starts at `lambda.initial`; each
 * change, in step order, sets it or multiplies it from its `at` step on. The values are worked out
 * here once, by the same products in the same order as stepping through the changes would give.
 */
export function trainingSchedule(cfg: ResolvedConfig): Schedule {
  // Lambda from step `from` on, after every change up to and including that step: several
  // changes at one step apply in order, and the last of them is the value there.
  const phases: { readonly from: number; readonly lambda: number }[] = [{ from: -Infinity, lambda: cfg.lambda.initial }];
  for (const c of cfg.lambda.changes) {
    const before = phases[phases.length - 1]!.lambda;
    phases.push({ from: c.at, lambda: 'set' in c ? c.set : before * c.multiply });
  }
  const lambdaAt = (step: number): number => {
    let i = phases.length - 1;
    while (phases[i]!.from > step) i--;
    return phases[i]!.lambda;
  };
  const bias = cfg.cost.bias;
  return {
    steps: cfg.train.steps,
    lambdaAt,
    biasOn: typeof bias === 'boolean' ? () => bias : (step) => step >= bias,
    lambdaChanges: cfg.lambda.changes.map((c) => ({ step: c.at, lambda: lambdaAt(c.at) })),
  };
}

/**
 * Rows one step uses: the split (full batch); a mini-batch, at most the split when drawn from
 * epochs, but its whole size when drawn with replacement (rows may repeat).
 */
function batchRowsOf(batching: Batching, n: number): number {
  if (batching.kind === 'full') return n;
  return batching.sampling === 'replacement' ? batching.size : Math.min(batching.size, n);
}
