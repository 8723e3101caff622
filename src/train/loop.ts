/**
 * The training loop (docs/design.md, "Optimizer and training loop"), visible in one place:
 *
 *   for each step: task loss + lambda(step) * connection cost -> Adam update     (an engine: engine.ts)
 *   every swap.every:          relocate on host arrays, write back, move Adam's moments along
 *   every output.eval_every:   a metrics row
 *   every checkpoint_every:    a checkpoint of the host network (and one at step 0, so a run's
 *                              snapshots and animations start from the initialisation)
 *
 * It knows nothing of files (what to do with rows and checkpoints is the caller's, src/train/run.ts)
 * nor of configs: every setting comes from the training plan (src/config/plan.ts).
 */
import { relocate } from '../bimt/relocate.js';
import { swapParams, type Swap } from '../bimt/swap.js';
import { activeBackend } from '../backend.js';
import type { SwapPlan, TrainingPlan } from '../config/plan.js';
import { connectionCost } from '../model/connection-cost.js';
import { initNetwork } from '../model/init.js';
import { weightSpecs } from '../model/model-graph.js';
import { cloneNetwork, type Network } from '../model/network.js';
import type { OptimizerState } from '../runs/checkpoint.js';
import { lossOutputs, type MetricsRow } from '../runs/metrics.js';
import { makeSampler, type SamplerState } from './batches.js';
import { chooseEngine } from './choose-engine.js';
import { createEngine, engineSetup } from './create-engine.js';
import type { EngineMaker, EngineName, TrainingEngine } from './engine.js';
import { OutputLossMeter } from './output-losses.js';

/** Everything a resumed run needs to continue exactly as if it had not stopped. */
export interface TrainingState {
  /** Updates made so far. */
  readonly step: number;
  readonly net: Network;
  readonly optimizer: OptimizerState;
  /** Mini-batch order (absent for full-batch training). */
  readonly sampler?: SamplerState;
  /** Swaps made since the last metrics row (that row's `swaps` cell is still to come). */
  readonly swapsSinceRow: number;
}

export interface LoopCallbacks {
  /** A metrics row, after the step it names (step 0: before training). */
  onMetrics(row: MetricsRow): Promise<void> | void;
  /** The full state after `state.step` steps; the callee may keep it (it is a fresh copy). */
  onCheckpoint(state: TrainingState): Promise<void> | void;
  /** Called after every step; cheap, the callee throttles. */
  onStep?(step: number, lastRow: MetricsRow | undefined): void;
}

export interface LoopOptions {
  /** Continue from this state instead of a fresh initialisation. */
  readonly resume?: TrainingState;
  /** Polled after every step; when true the loop checkpoints and returns 'interrupted'. */
  readonly shouldStop?: () => boolean;
  /**
   * The engine, when the caller has chosen it already (default: chooseEngine on the active
   * backend), or what makes it (a population member's slice of the batch).
   */
  readonly engine?: EngineName | EngineMaker;
}

export type LoopStatus = 'completed' | 'diverged' | 'interrupted';

export interface LoopResult {
  readonly status: LoopStatus;
  readonly stepsDone: number;
  readonly lastRow: MetricsRow | undefined;
  readonly net: Network;
}

export async function trainLoop(plan: TrainingPlan, cb: LoopCallbacks, opts: LoopOptions = {}): Promise<LoopResult> {
  const { task, schedule, swap, batching } = plan;
  const { resume } = opts;
  const start = resume ? cloneNetwork(resume.net) : initNetwork(plan.arch, plan.initSeed);
  // The loop's own parameter map, refilled from the engine whenever the host needs them.
  const params = new Map(start.params);
  const net: Network = { ...start, params };
  const backend = activeBackend();
  const sampler = batching.kind === 'full' ? undefined : makeSampler(batching.sampling, task.train.n, batching.size, batching.seed, resume?.sampler);
  const setup = engineSetup(plan, net, resume?.optimizer);
  const engine = typeof opts.engine === 'function' ? await opts.engine(setup) : await createEngine(opts.engine ?? chooseEngine(plan, backend).name, setup, backend);
  const { steps } = schedule;
  const { evalEvery, checkpointEvery, snapshotThreshold: threshold } = plan.output;

  // Sequence tasks' per-entry losses come with the engine's evaluation; an MLP's are measured on the host.
  const outputMeter = lossOutputs(task) > 0 && task.targets.kind !== 'sequence' ? new OutputLossMeter(plan.evalTask) : undefined;
  let lastRow: MetricsRow | undefined;
  let swapsSinceRow = resume?.swapsSinceRow ?? 0;
  let status: LoopStatus = 'completed';
  let lastCheckpoint = resume?.step ?? -1;

  /** Pulls the parameters into `net` (the permutations already live there). */
  const syncHost = async () => {
    for (const [name, a] of await engine.readParams()) params.set(name, a);
  };

  const record = async (step: number) => {
    await syncHost();
    const e = await engine.evaluate();
    const row: MetricsRow = {
      step,
      lambda: schedule.lambdaAt(Math.max(step - 1, 0)),
      train_loss: e.trainLoss,
      test_loss: e.testLoss,
      train_acc: e.trainAcc,
      test_acc: e.testAcc,
      connection_cost: connectionCost(net.params, plan.cost.coef, schedule.biasOn(Math.max(step - 1, 0))),
      weights_above_threshold: weightSpecs(net.graph).reduce((n, w) => n + countAbove(net.params.get(w.name)!, threshold), 0),
      swaps: swapsSinceRow,
      ...(outputMeter ? { output_losses: outputMeter.measure(net) } : e.scoredLosses ? { output_losses: e.scoredLosses } : {}),
    };
    swapsSinceRow = 0;
    lastRow = row;
    await cb.onMetrics(row);
    return row;
  };

  /** Writes the state after `step` updates; false (and nothing written) if it is not finite. */
  const checkpoint = async (step: number): Promise<boolean> => {
    await syncHost();
    if (!allFinite([...net.params.values()])) return false;
    await cb.onCheckpoint({
      step,
      net: cloneNetwork(net),
      optimizer: await engine.readOptimizer(),
      ...(sampler ? { sampler: sampler.state() } : {}),
      swapsSinceRow,
    });
    lastCheckpoint = step;
    return true;
  };

  try {
    let step = resume?.step ?? 0;
    if (!resume) {
      await record(0);
      await checkpoint(0);
    }
    let lastYield = Date.now();
    while (step < steps) {
      // `step` counts updates already made; this update uses the schedule's value at `step`.
      await engine.step(schedule.lambdaAt(step), schedule.biasOn(step), sampler?.next());
      step++;

      if (swap.every > 0 && step % swap.every === 0) {
        swapsSinceRow += await relocateModel(net, engine, syncHost, swap);
      }
      if (step % evalEvery === 0 || step === steps) {
        const row = await record(step);
        if (!Number.isFinite(row.train_loss) || !Number.isFinite(row.test_loss)) {
          status = 'diverged';
          break;
        }
      }
      if (step % checkpointEvery === 0 || step === steps) {
        if (!(await checkpoint(step))) {
          status = 'diverged';
          break;
        }
      }
      cb.onStep?.(step, lastRow);
      // Training steps are synchronous; let signal handlers run now and then.
      if (Date.now() - lastYield > 100) {
        await new Promise((r) => setImmediate(r));
        lastYield = Date.now();
      }
      if (opts.shouldStop?.() && step < steps) {
        if (lastCheckpoint !== step && !(await checkpoint(step))) status = 'diverged';
        else status = 'interrupted';
        break;
      }
    }
    return { status, stepsDone: step, lastRow, net };
  } finally {
    engine.dispose();
  }
}

function allFinite(arrays: readonly Float32Array[]): boolean {
  return arrays.every((a) => a.every(Number.isFinite));
}

/**
 * One relocation pass on host arrays, then the new weights and permutations go back to the
 * engine, and (by default) Adam's moments are permuted by the same swaps so each neuron keeps
 * its own optimizer state. Returns the number of swaps.
 */
async function relocateModel(net: Network, engine: TrainingEngine, syncHost: () => Promise<void>, swap: SwapPlan): Promise<number> {
  await syncHost();
  const swaps: Swap[] = relocate(net, swap.cost.coef, { topK: swap.topK, swapInputs: swap.swapInputs });
  if (swaps.length === 0) return 0;
  engine.load(net.params, net.inPerm, net.outPerm);
  if (swap.permuteOptimizerState) {
    const { m, v } = await engine.readOptimizer();
    for (const s of swaps) {
      swapParams(m, net.graph, s);
      swapParams(v, net.graph, s);
    }
    engine.loadMoments(m, v);
  }
  return swaps.length;
}

function countAbove(w: Float32Array, t: number): number {
  let n = 0;
  for (let i = 0; i < w.length; i++) if (Math.abs(w[i]) > t) n++;
  return n;
}
