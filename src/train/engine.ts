/**
 * Where a training loop's arithmetic runs. An engine owns the parameters, Adam's moments and the
 * data while the loop (src/train/loop.ts) runs; the loop talks to it only through
 * `TrainingEngine`, so relocation, metrics and checkpoints are the same whichever runs.
 *
 *   tfjs     BioModel + Adam on the selected tfjs backend: any network (src/train/tfjs-engine.ts)
 *   host     HostMlp's gradient, Adam on typed arrays: feature-input networks
 *            (src/train/host-engine.ts)
 *   workers  tfjs gradients of the batch's shards on worker threads, Adam on typed arrays: full
 *            batches on the wasm or cpu backend (src/train/worker-gradients.ts)
 *   population  one member of a population trained as one batched tfjs computation
 *            (src/train/population-engine.ts): made by the population, not by createEngine
 *
 * All compute the same update (test/engines.test.ts). For a small network a tfjs step is mostly
 * the fixed cost of launching a few dozen kernels, which plain loops over typed arrays avoid; for a
 * large one the backend's vectorised matMul wins, and since the wasm backend has no threads in
 * Node, worker threads put the second core to work. `train.engine: auto` decides by the
 * multiply-adds of one step's forward pass and the backend (choose-engine.ts); create-engine.ts
 * makes the chosen one, loading only its own modules. This file holds only the types they share,
 * so that no engine imports the module that imports every engine.
 */
import type { CostCoefficients } from '../model/connection-cost.js';
import type { HostGrads } from '../model/model-graph.js';
import type { ClassLoss } from '../model/host-mlp.js';
import type { Network, Params } from '../model/network.js';
import type { OptimizerState } from '../runs/checkpoint.js';
import type { TaskInstance } from '../tasks/task.js';
import type { AdamSettings } from '../config/plan.js';
import type { TaskEvaluation } from './evaluate.js';

export type EngineName = 'host' | 'tfjs' | 'workers' | 'population';

/** Makes a run's engine from its setup: how a population hands each member its slice of the batch. */
export type EngineMaker = (setup: EngineSetup) => Promise<TrainingEngine>;

export interface TrainingEngine {
  readonly name: EngineName;
  /** Updates made so far (Adam's bias-correction counter). */
  readonly updates: number;
  /**
   * One Adam update of task loss + lambda * cost on `rows` of the training split (all when
   * absent). Asynchronous because the workers engine waits for its threads without blocking the
   * event loop (so Ctrl-C and a dying worker are noticed at once).
   */
  step(lambda: number, withBias: boolean, rows?: Int32Array): Promise<void>;
  /**
   * Copies of the current parameters. This and readOptimizer are asynchronous because the webgpu
   * backend can read tensors back only with `await data()` in Node.
   */
  readParams(): Promise<Params>;
  /** Replaces parameters and permutations (after relocation). Moments stay where they are. */
  load(params: Params, inPerm: Int32Array, outPerm: Int32Array): void;
  /** Copies of Adam's state. */
  readOptimizer(): Promise<OptimizerState>;
  /** Replaces Adam's moments (the update counter stays). */
  loadMoments(m: Params, v: Params): void;
  /** Losses and accuracies of the current parameters on both splits. */
  evaluate(): Promise<TaskEvaluation>;
  dispose(): void;
}

export interface EngineSetup {
  /** Initial parameters and permutations (copied; the engine keeps no reference). */
  readonly net: Network;
  readonly task: TaskInstance;
  /**
   * The splits `evaluate` reports on (the plan's evalTask: output.eval_rows' subset); absent or
   * `task` itself: all of task's rows.
   */
  readonly evalTask?: TaskInstance;
  /** Coefficients of the training cost (connection-cost.ts). */
  readonly costCoef: CostCoefficients;
  readonly adam: AdamSettings;
  /** Adam's state to continue from (a resumed run). */
  readonly optimizer?: OptimizerState;
  /** Largest number of training rows one step uses. */
  readonly batchRows: number;
  /** The loss of class targets (train.loss). */
  readonly classLoss: ClassLoss;
}

/** Where a host-side optimizer gets its task-loss gradients. */
export interface GradientSource {
  /** Writes the gradient of the mean task loss of `params` on `rows` of the training split (all when absent) into `grads`. */
  gradient(params: Params, rows: Int32Array | undefined, grads: HostGrads): Promise<void>;
  /** Losses and accuracies of `params` on both splits. */
  evaluate(params: Params): Promise<TaskEvaluation>;
  /** The permutations the next calls use (after relocation). */
  setPermutations(inPerm: Int32Array, outPerm: Int32Array): void;
  dispose(): void;
}
