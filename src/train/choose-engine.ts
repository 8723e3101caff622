/**
 * Which engine trains a plan (engine.ts lists them): `train.engine`, or for `auto` the fastest
 * for the network's size and the backend. Light on purpose: the CLI checks a config with it before
 * any backend is loaded, and a run of the host engine loads no tfjs at all.
 */
import { NO_BACKEND, type BackendName } from '../backend.js';
import type { TrainingPlan } from '../config/plan.js';
import { BimtError } from '../errors.js';
import { weightSpecs, type Architecture } from '../model/model-graph.js';
import { definitionOf } from '../model/architectures/registry.js';
import type { EngineName } from './engine.js';
import { SHARDS } from './worker-protocol.js';

/**
 * Up to this many multiply-adds in one step's forward pass, `auto` takes the host engine without
 * loading any backend: so small a step is mostly kernel-dispatch overhead on every tfjs backend.
 * Past it a native tensorflow backend (many threads, or a GPU) may win, so the backend is loaded
 * first; on wasm or cpu the host still wins (chooseEngine). Measured on the development machine
 * with [4, w, w, 1] networks against the wasm backend, with the host's earlier scalar loops
 * (host/tfjs ms per step): 2.8e5 0.6/2.3, 1.1e6 2.0/2.2, 4.2e6 7.7/3.3, 8.2e6 14/4.8; its SIMD
 * kernel has since made MNIST's 8.9e6 4.3 ms against 12 ms.
 */
export const HOST_MAX_FORWARD_MACS = 1e6;

/** Below this many rows a full batch is not worth splitting across worker threads. */
export const WORKERS_MIN_ROWS = 512;

export interface EngineChoice {
  readonly name: EngineName;
  /** Why, for the run's log line. */
  readonly why: string;
}

/** The backends the workers engine's threads can run (the tensorflow ones hold one device). */
export function isCpuBackend(backend: string): backend is 'wasm' | 'cpu' {
  return backend === 'wasm' || backend === 'cpu';
}

/** Whether the workers engine can split the plan's batches: full batch, every shard non-empty. */
function workersCanSplit(plan: TrainingPlan): boolean {
  return plan.batching.kind === 'full' && Math.min(plan.task.train.n, plan.task.test.n) >= SHARDS;
}

/**
 * The config's errors that do not depend on the backend (an engine that cannot train the task),
 * checked before a backend is loaded.
 */
export function validateEngine(plan: TrainingPlan): void {
  const forced = plan.engine;
  if (forced === 'host' && !hostCanTrain(plan.arch)) throw new BimtError('train.engine: host takes feature inputs only, and this task has token inputs; use auto, tfjs or workers');
  if (forced === 'workers' && !workersCanSplit(plan)) {
    throw new BimtError(`train.engine: workers splits full batches of at least ${SHARDS} rows in ${SHARDS}, and this config has mini-batches or fewer rows; use auto, tfjs or host`);
  }
}

/**
 * The host engine when the config trains on it whatever the backend (`train.engine: host`, or
 * `auto` with a small feature-input network); then no backend need be loaded at all. Otherwise
 * undefined: the choice depends on the backend.
 */
export function engineWithoutBackend(plan: TrainingPlan): EngineChoice | undefined {
  validateEngine(plan);
  const { arch, engine: forced } = plan;
  if (forced === 'host') return { name: 'host', why: 'train.engine: host' };
  if (forced !== 'auto' || !hostCanTrain(arch)) return undefined;
  // Some architectures outrun tfjs on the host at every size (ArchitectureDefinition.hostAtEverySize).
  if (definitionOf(arch).hostAtEverySize) return { name: 'host', why: `typed arrays and a WebAssembly kernel on the CPU: ${forwardSize(plan)}` };
  if (forwardMacs(plan) > HOST_MAX_FORWARD_MACS) return undefined;
  return { name: 'host', why: `typed arrays on the CPU: a small network, ${forwardSize(plan)}` };
}

/** Whether the host engine has a forward pass for the network: feature-input MLPs and transformers. */
function hostCanTrain(arch: Architecture): boolean {
  return definitionOf(arch).hostTrains(arch);
}

/** Multiply-adds of one step's forward pass: every weight once per row (per token of a sequence). */
function forwardMacs({ arch, graph, batchRows }: TrainingPlan): number {
  const perToken = weightSpecs(graph).reduce((s, w) => s + w.shape[0] * w.shape[1], 0);
  return batchRows * definitionOf(arch).tokensPerSample(arch) * perToken;
}

function forwardSize(plan: TrainingPlan): string {
  return `${forwardMacs(plan).toExponential(1)} multiply-adds per forward pass`;
}

/** Every engine that can train the plan on the backend. */
export function enginesFor(plan: TrainingPlan, backend: string): EngineName[] {
  return [
    ...(hostCanTrain(plan.arch) ? ['host' as const] : []),
    'tfjs' as const,
    ...(isCpuBackend(backend) && workersCanSplit(plan) ? ['workers' as const] : []),
  ];
}

/**
 * The engine a plan trains with on a backend (the active tfjs backend's name): its
 * `train.engine`, or for `auto` the fastest for the network's size. Errors name the config key
 * when a forced engine cannot train the config.
 */
export function chooseEngine(plan: TrainingPlan, backend: BackendName | typeof NO_BACKEND.name): EngineChoice {
  const host = engineWithoutBackend(plan);
  if (host) return host;
  const forced = plan.engine;
  // The caller loads a backend whenever engineWithoutBackend says none will do.
  if (backend === NO_BACKEND.name) throw new Error(`no tfjs backend is loaded, and ${forced === 'auto' ? 'the engine auto picks' : `train.engine ${forced}`} needs one`);
  if (forced === 'workers' && !isCpuBackend(backend)) throw new BimtError(`train.engine: workers runs tfjs on the wasm or cpu backend, not ${backend}; use auto or tfjs`);
  if (forced !== 'auto') return { name: forced, why: `train.engine: ${forced}` };
  const rows = plan.batchRows;
  const size = forwardSize(plan);
  if (isCpuBackend(backend) && workersCanSplit(plan) && rows >= WORKERS_MIN_ROWS) {
    return { name: 'workers', why: `tfjs ${backend} on ${SHARDS} worker threads, ${rows} rows split between them: ${size}` };
  }
  // Past HOST_MAX_FORWARD_MACS the host's products run in its WebAssembly SIMD kernel
  // (src/model/simd-gemm.ts), which outruns tfjs's CPU backends on one thread as well; a native
  // tensorflow backend (many threads, or a GPU) keeps the network.
  if (isCpuBackend(backend) && hostCanTrain(plan.arch)) return { name: 'host', why: `typed arrays and a WebAssembly kernel on the CPU, faster than tfjs ${backend}: ${size}` };
  return { name: 'tfjs', why: `tfjs ${backend}: ${size}` };
}
