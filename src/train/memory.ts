/**
 * How much memory training a config takes, estimated from its shapes before anything is
 * allocated, so that `model.widths: [2, 20000, 20000, 2]` is refused in a line instead of running
 * for minutes until the machine swaps or the process is killed.
 *
 * The estimate counts what the engines keep (src/train/host-engine.ts, tfjs-engine.ts,
 * worker-gradients.ts and the loop around them) in units of one float32 copy of the parameters
 * (4 bytes x P), plus activations and data. It is meant to be right within a factor of about two,
 * which is all a refusal needs: the configs it is for are off by orders of magnitude.
 */
import { totalmem } from 'node:os';
import type { TrainingPlan } from '../config/plan.js';
import { BimtError } from '../errors.js';
import { parameterCount, weightSpecs } from '../model/model-graph.js';
import { definitionOf } from '../model/architectures/registry.js';
import type { Split } from '../tasks/task.js';
import { formatBytes } from '../util/bytes.js';
import { chooseEngine } from './choose-engine.js';
import type { EngineName } from './engine.js';
import { EVAL_CHUNK_ROWS } from './host-engine.js';

export interface MemoryEstimate {
  /** Parameters and Adam's two moments. */
  readonly parameters: number;
  /** Gradients, the engine's working copies and the copies a checkpoint makes. */
  readonly copies: number;
  /** Node, tfjs and its wasm module. */
  readonly runtime: number;
  readonly activations: number;
  /** The task's splits, on the host and where the engine computes. */
  readonly data: number;
  readonly total: number;
}

/**
 * Float32 copies of the parameters each engine holds at its peak, Adam's m and v included. What
 * they are:
 * - every engine: the values and Adam's m and v (3); the loop's host network and two sets of cost
 *   coefficients, training and swap search (3; one set when the swap search minimises the
 *   training cost, which the count keeps as a margin); at a checkpoint a copy of the network, of m and v,
 *   and the encoded state and model files (7);
 * - host: float64 gradients (2) and HostMlp's float64 W, W^T and weight gradient before it is
 *   copied out (6);
 * - tfjs: the cost coefficients as tensors, the gradients, Adam's temporaries and the cost's
 *   gradient, and the wasm backend's heap, which grows by doubling and keeps its high-water mark
 *   (it holds about twice the tensors at once);
 * - workers: float64 gradients, the shared parameters, each shard's gradients, and each worker
 *   thread's own tfjs heap with its variables, gradients and temporaries;
 * - population: a member's share of the batch, as tfjs (one runtime for all, counted per member
 *   as a margin).
 * The counts are peak resident memory, less the runtime and activations, measured on the wasm
 * backend for two-moons runs that write checkpoints: [2, 2000, 2000, 2] on each engine, and
 * [2, 4000, 4000, 2] on tfjs (33 and 34 copies); the list above accounts for most of each.
 */
const COPIES: Record<EngineName, number> = { host: 23, tfjs: 34, workers: 35, population: 34 };

/**
 * Node, tfjs and its wasm module before any tensor (the peak of a [2, 20, 2] run), with another
 * tfjs in each of the workers engine's two threads.
 */
const RUNTIME_BYTES: Record<EngineName, number> = { host: 128 * 2 ** 20, tfjs: 128 * 2 ** 20, workers: 224 * 2 ** 20, population: 128 * 2 ** 20 };

/**
 * Bytes per row and neuron for one pass: HostMlp keeps three float64 arrays per layer (h, sigmoid,
 * dz); tfjs keeps about six float32 values for the forward and backward pass.
 */
const ACTIVATION_BYTES: Record<EngineName, number> = { host: 24, tfjs: 24, workers: 24, population: 24 };

/** The memory one engine needs to train the plan. */
export function estimateMemory(plan: TrainingPlan, engine: EngineName): MemoryEstimate {
  const { graph, task, evalTask } = plan;
  const copy = 4 * parameterCount(graph);
  const parameters = 3 * copy;
  const copies = (COPIES[engine] - 3) * copy;
  // Values per row: the input, then every weight's outputs (an MLP's widths summed), once per
  // token of a sequence.
  const weights = weightSpecs(graph);
  const tokens = definitionOf(plan.arch).tokensPerSample(plan.arch);
  const neurons = tokens * ((weights[0]?.shape[0] ?? 0) + weights.reduce((a, w) => a + w.shape[1], 0));
  const batch = plan.batchRows;
  // HostMlp sizes its buffers for a batch or an evaluation chunk; tfjs evaluates both (evaluated) splits in one go.
  const rows = engine === 'host' ? Math.max(batch, Math.min(EVAL_CHUNK_ROWS, Math.max(evalTask.train.n, evalTask.test.n))) : Math.max(batch, evalTask.train.n + evalTask.test.n);
  const activations = rows * neurons * ACTIVATION_BYTES[engine];
  // output.eval_rows' subsets are copies beside the task's splits.
  const host = splitBytes(task.train) + splitBytes(task.test) + (evalTask === task ? 0 : splitBytes(evalTask.train) + splitBytes(evalTask.test));
  const oneHot = task.targets.kind === 'classes' ? 4 * task.targets.count * (task.train.n + task.test.n) : 0;
  const data = engine === 'host' ? host : 2 * host + oneHot;
  const runtime = RUNTIME_BYTES[engine];
  return { parameters, copies, activations, data, runtime, total: parameters + copies + activations + data + runtime };
}

function splitBytes(s: Split): number {
  return s.x.byteLength + s.y.byteLength;
}

/** Where the memory limit came from, for the message. */
export interface MemoryLimit {
  readonly bytes: number;
  readonly source: string;
}

/** The default limit: half of this machine's memory, leaving the rest to everything else. */
export function defaultMemoryLimit(): MemoryLimit {
  return { bytes: totalmem() / 2, source: "half of this machine's memory" };
}

/**
 * Refuses a config whose training would need more than the limit, naming the widths, the estimate
 * and its parts. It runs before the backend is chosen, so for `train.engine: auto` the larger
 * estimate of what auto picks on a CPU backend (wasm, cpu) and on the others counts.
 */
export function checkMemory(plan: TrainingPlan, limit: MemoryLimit): void {
  const forced = plan.engine;
  const engines = forced === 'auto' ? (['wasm', 'tensorflow'] as const).map((b) => chooseEngine(plan, b).name) : [forced];
  const est = engines.map((e) => estimateMemory(plan, e)).reduce((a, b) => (b.total > a.total ? b : a));
  if (est.total <= limit.bytes) return;
  const parts = [
    `parameters and Adam's moments ${formatBytes(est.parameters)}`,
    `gradients and working copies ${formatBytes(est.copies)}`,
    `activations ${formatBytes(est.activations)}`,
    `data ${formatBytes(est.data)}`,
    `runtime ${formatBytes(est.runtime)}`,
  ];
  const { what, fix } = definitionOf(plan.arch).size(plan.arch);
  throw new BimtError(
    `${what}: about ${formatBytes(est.total)} to train (${parts.join(', ')}), ` +
      `above the limit of ${formatBytes(limit.bytes)} (${limit.source}); ${fix} or pass --max-memory`,
  );
}

/**
 * A size as a user writes it: a number with an optional unit K, M, G or T (powers of 1024, as
 * for most memory flags; "8G", "512M", "1.5GiB", "4096"); undefined if it is not one.
 */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:([kmgt])(?:i?b)?|b)?\s*$/i.exec(text);
  if (!m) return undefined;
  const power = m[2] ? 'kmgt'.indexOf(m[2].toLowerCase()) + 1 : 0;
  const bytes = Number(m[1]) * 1024 ** power;
  return bytes > 0 && Number.isFinite(bytes) ? bytes : undefined;
}
