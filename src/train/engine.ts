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
 *
 * All compute the same update (test/engines.test.ts). For a small network a tfjs step is mostly
 * the fixed cost of launching a few dozen kernels, which plain loops over typed arrays avoid; for a
 * large one the backend's vectorised matMul wins, and since the wasm backend has no threads in
 * Node, worker threads put the second core to work. `train.engine: auto` decides by the
 * multiply-adds of one step's forward pass and the backend.
 */
import type { ResolvedConfig } from '../config/resolve.js';
import { BimtError } from '../errors.js';
import type { CostCoefficients } from '../model/connection-cost.js';
import { architectureFor } from '../model/architecture.js';
import type { Architecture, Network, Params } from '../model/network.js';
import type { OptimizerState } from '../runs/checkpoint.js';
import type { TaskInstance } from '../tasks/task.js';
import type { AdamSettings } from './adam.js';
import type { Evaluation } from './evaluate.js';
import { HostEngine, MlpGradients } from './host-engine.js';
import { TfjsEngine } from './tfjs-engine.js';
import { SHARDS, WorkerGradients } from './worker-gradients.js';

export type EngineName = 'host' | 'tfjs' | 'workers';

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
  /** Copies of the current parameters. */
  readParams(): Params;
  /** Replaces parameters and permutations (after relocation). Moments stay where they are. */
  load(params: Params, inPerm: Int32Array, outPerm: Int32Array): void;
  /** Copies of Adam's state. */
  readOptimizer(): OptimizerState;
  /** Replaces Adam's moments (the update counter stays). */
  loadMoments(m: Params, v: Params): void;
  /** Losses and accuracies of the current parameters on both splits. */
  evaluate(): Promise<Evaluation>;
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
 * Up to this many multiply-adds in one step's forward pass, plain loops beat tfjs's kernels.
 * Measured on the development machine with [4, w, w, 1] networks against the wasm backend
 * (host/tfjs ms per step): 2.8e5 0.6/2.3, 1.1e6 2.0/2.2, 4.2e6 7.7/3.3, 8.2e6 14/4.8.
 */
export const HOST_MAX_FORWARD_MACS = 1e6;

/** Below this many rows a full batch is not worth splitting across worker threads. */
export const WORKERS_MIN_ROWS = 512;

export interface EngineChoice {
  readonly name: EngineName;
  /** Why, for the run's log line. */
  readonly why: string;
}

/** Rows of the training split one step uses. */
export function batchRowsOf(cfg: ResolvedConfig, task: TaskInstance): number {
  return cfg.train.batch === 'full' ? task.train.n : Math.min(cfg.train.batch, task.train.n);
}

/** The backends the workers engine's threads can run (the tensorflow ones hold one device). */
export function isCpuBackend(backend: string): backend is 'wasm' | 'cpu' {
  return backend === 'wasm' || backend === 'cpu';
}

/** Whether the workers engine can split the config's batches: full batch, every shard non-empty. */
function workersCanSplit(cfg: ResolvedConfig, task: TaskInstance): boolean {
  return cfg.train.batch === 'full' && Math.min(task.train.n, task.test.n) >= SHARDS;
}

/** Adam's settings from a config's train section. */
export function adamSettingsOf(cfg: ResolvedConfig): AdamSettings {
  const t = cfg.train;
  return { lr: t.lr, beta1: t.beta1, beta2: t.beta2, eps: t.eps, weightDecay: t.weight_decay };
}

/**
 * The config's errors that do not depend on the backend (shapes, an engine that cannot train the
 * task), checked before a backend is loaded; returns the architecture.
 */
export function validateEngine(cfg: ResolvedConfig, task: TaskInstance): Architecture {
  const arch = architectureFor(cfg.model, task);
  const forced = cfg.train.engine;
  if (forced === 'host' && arch.embedding) throw new BimtError('train.engine: host takes feature inputs only, and this task has token inputs; use auto, tfjs or workers');
  if (forced === 'workers' && !workersCanSplit(cfg, task)) {
    throw new BimtError(`train.engine: workers splits full batches of at least ${SHARDS} rows in ${SHARDS}, and this config has mini-batches or fewer rows; use auto, tfjs or host`);
  }
  return arch;
}

/** Every engine that can train the config on the backend. */
export function enginesFor(cfg: ResolvedConfig, task: TaskInstance, backend: string): EngineName[] {
  const arch = architectureFor(cfg.model, task);
  return [
    ...(arch.embedding ? [] : ['host' as const]),
    'tfjs' as const,
    ...(isCpuBackend(backend) && workersCanSplit(cfg, task) ? ['workers' as const] : []),
  ];
}

/**
 * The engine a config trains with on a backend (the active tfjs backend's name): its
 * `train.engine`, or for `auto` the fastest for the network's size. Errors name the config key
 * when a forced engine cannot train the config.
 */
export function chooseEngine(cfg: ResolvedConfig, task: TaskInstance, backend: string): EngineChoice {
  const arch = validateEngine(cfg, task);
  const rows = batchRowsOf(cfg, task);
  const forced = cfg.train.engine;
  if (forced === 'workers' && !isCpuBackend(backend)) throw new BimtError(`train.engine: workers runs tfjs on the wasm or cpu backend, not ${backend}; use auto or tfjs`);
  if (forced !== 'auto') return { name: forced, why: `train.engine: ${forced}` };
  const macs = rows * arch.widths.slice(0, -1).reduce((s, n, l) => s + n * arch.widths[l + 1], 0);
  const size = `${macs.toExponential(1)} multiply-adds per forward pass`;
  if (!arch.embedding && macs <= HOST_MAX_FORWARD_MACS) return { name: 'host', why: `typed arrays on the CPU: a small network, ${size}` };
  if (isCpuBackend(backend) && workersCanSplit(cfg, task) && rows >= WORKERS_MIN_ROWS) {
    return { name: 'workers', why: `tfjs ${backend} on ${SHARDS} worker threads, ${rows} rows split between them: ${size}` };
  }
  return { name: 'tfjs', why: `tfjs ${backend}: ${size}` };
}

export async function createEngine(name: EngineName, setup: EngineSetup, backend: string): Promise<TrainingEngine> {
  switch (name) {
    case 'host':
      return new HostEngine('host', setup, new MlpGradients(setup));
    case 'tfjs':
      return new TfjsEngine(setup);
    case 'workers':
      // chooseEngine refuses this with a BimtError naming the key; here it is a programming error.
      if (!isCpuBackend(backend)) throw new Error(`the workers engine needs the wasm or cpu backend, not ${backend}`);
      return new HostEngine('workers', setup, await WorkerGradients.start(setup, backend));
  }
}
