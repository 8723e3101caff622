/**
 * Where a training loop's arithmetic runs. An engine owns the parameters, Adam's moments and the
 * data while the loop (src/train/loop.ts) runs; the loop talks to it only through
 * `TrainingEngine`, so relocation, metrics and checkpoints are the same whichever runs.
 *
 *   tfjs   BioModel + Adam on the selected tfjs backend: any network (src/train/tfjs-engine.ts)
 *   host   HostMlp + adamUpdateHost on typed arrays: feature-input networks
 *          (src/train/host-engine.ts)
 *
 * Both compute the same update (test/host-mlp.test.ts). For a small network a tfjs step is mostly
 * the fixed cost of launching a few dozen kernels, which plain loops over typed arrays avoid;
 * for a large one the backend's vectorised matMul wins. `train.engine: auto` decides by the
 * multiply-adds of one step's forward pass.
 */
import { BimtError } from '../errors.js';
import type { ResolvedConfig } from '../config/resolve.js';
import type { CostCoefficients } from '../model/connection-cost.js';
import { architectureFor } from '../model/architecture.js';
import type { Network, Params } from '../model/network.js';
import type { OptimizerState } from '../runs/checkpoint.js';
import type { TaskInstance } from '../tasks/task.js';
import type { AdamSettings } from './adam.js';
import type { Evaluation } from './evaluate.js';
import { HostEngine } from './host-engine.js';
import { TfjsEngine } from './tfjs-engine.js';

export type EngineName = 'host' | 'tfjs';

export interface TrainingEngine {
  readonly name: EngineName;
  /** Updates made so far (Adam's bias-correction counter). */
  readonly updates: number;
  /** One Adam update of task loss + lambda * cost on `rows` of the training split (all when absent). */
  step(lambda: number, withBias: boolean, rows?: Int32Array): void;
  /** Copies of the current parameters. */
  readParams(): Params;
  /** Replaces parameters and permutations (after relocation). Moments stay where they are. */
  load(params: Params, inPerm: Int32Array, outPerm: Int32Array): void;
  /** Copies of Adam's state. */
  readOptimizer(): OptimizerState;
  /** Replaces Adam's moments (the update counter stays). */
  loadMoments(m: Params, v: Params): void;
  /** Losses and accuracies of the current parameters on both splits. */
  evaluate(): Evaluation;
  dispose(): void;
}

export interface EngineSetup {
  /** Initial parameters and permutations (copied; the engine keeps no reference). */
  readonly net: Network;
  readonly task: TaskInstance;
  /** Coefficients of the training cost (connection-cost.ts). */
  readonly costCoef: CostCoefficients;
  readonly adam: AdamSettings;
  /** Adam's state to continue from (a resumed run). */
  readonly optimizer?: OptimizerState;
  /** Largest number of training rows one step uses. */
  readonly batchRows: number;
}

/**
 * Above this many multiply-adds in one step's forward pass, tfjs's kernels beat plain loops. Measured
 * with `npm run bench` on the development machine (README "Performance"): the paper's symbolic and
 * two-moons configs (1e5) run 3-5x faster on host; modular addition (2.4e7) 4x slower.
 */
export const HOST_MAX_FORWARD_MACS = 2e6;

/** Rows of the training split one step uses. */
export function batchRowsOf(cfg: ResolvedConfig, task: TaskInstance): number {
  return cfg.train.batch === 'full' ? task.train.n : Math.min(cfg.train.batch, task.train.n);
}

/** The engine a config trains with: its `train.engine`, or for `auto` the faster for its size. */
export function chooseEngine(cfg: ResolvedConfig, task: TaskInstance): { name: EngineName; why: string } {
  const arch = architectureFor(cfg.model, task);
  const batchRows = batchRowsOf(cfg, task);
  const forced = cfg.train.engine;
  if (arch.embedding) {
    if (forced === 'host') throw new BimtError('train.engine: host takes feature inputs only, and this task has token inputs; use auto or tfjs');
    return { name: 'tfjs', why: forced === 'tfjs' ? 'train.engine: tfjs' : 'token inputs' };
  }
  if (forced !== 'auto') return { name: forced, why: `train.engine: ${forced}` };
  const macs = batchRows * arch.widths.slice(0, -1).reduce((s, n, l) => s + n * arch.widths[l + 1], 0);
  return macs <= HOST_MAX_FORWARD_MACS
    ? { name: 'host', why: `typed arrays on the CPU: a small network, ${macs.toExponential(1)} multiply-adds per forward pass` }
    : { name: 'tfjs', why: `a large network, ${macs.toExponential(1)} multiply-adds per forward pass` };
}

export function createEngine(name: EngineName, setup: EngineSetup): TrainingEngine {
  return name === 'host' ? new HostEngine(setup) : new TfjsEngine(setup);
}
