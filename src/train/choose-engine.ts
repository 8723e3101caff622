/**
 * Which engine trains a config (engine.ts lists them): `train.engine`, or for `auto` the fastest
 * for the network's size and the backend. Light on purpose: the CLI checks a config with it before
 * any backend is loaded, and a run of the host engine loads no tfjs at all.
 */
import { NO_BACKEND, type BackendName } from '../backend.js';
import type { ResolvedConfig } from '../config/resolve.js';
import { BimtError } from '../errors.js';
import { architectureFor } from '../config/architecture.js';
import { modelGraph, weightSpecs, type Architecture } from '../model/model-graph.js';
import type { TaskInstance } from '../tasks/task.js';
import type { AdamSettings } from './adam.js';
import type { EngineName } from './engine.js';
import { SHARDS } from './worker-protocol.js';

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
  if (forced === 'host' && !hostCanTrain(arch)) throw new BimtError('train.engine: host takes feature inputs only, and this task has token inputs; use auto, tfjs or workers');
  if (forced === 'workers' && !workersCanSplit(cfg, task)) {
    throw new BimtError(`train.engine: workers splits full batches of at least ${SHARDS} rows in ${SHARDS}, and this config has mini-batches or fewer rows; use auto, tfjs or host`);
  }
  return arch;
}

/**
 * The host engine when the config trains on it whatever the backend (`train.engine: host`, or
 * `auto` with a small feature-input network); then no backend need be loaded at all. Otherwise
 * undefined: the choice depends on the backend.
 */
export function engineWithoutBackend(cfg: ResolvedConfig, task: TaskInstance): EngineChoice | undefined {
  const arch = validateEngine(cfg, task);
  const forced = cfg.train.engine;
  if (forced === 'host') return { name: 'host', why: 'train.engine: host' };
  if (forced !== 'auto' || !hostCanTrain(arch)) return undefined;
  // The host transformer's products run in a WebAssembly SIMD kernel over one step's few hundred
  // tokens, where tfjs would launch a hundred small kernels (`npm run bench` has both).
  if (arch.kind === 'transformer') return { name: 'host', why: `typed arrays and a WebAssembly kernel on the CPU: ${forwardSize(cfg, task)}` };
  if (forwardMacs(cfg, task, arch) > HOST_MAX_FORWARD_MACS) return undefined;
  return { name: 'host', why: `typed arrays on the CPU: a small network, ${forwardSize(cfg, task)}` };
}

/** Whether the host engine has a forward pass for the network: feature-input MLPs and transformers. */
function hostCanTrain(arch: Architecture): boolean {
  return arch.kind === 'transformer' || !arch.embedding;
}

/** Multiply-adds of one step's forward pass: every weight once per row (per token of a sequence). */
function forwardMacs(cfg: ResolvedConfig, task: TaskInstance, arch: Architecture): number {
  const perToken = weightSpecs(modelGraph(arch)).reduce((s, w) => s + w.shape[0] * w.shape[1], 0);
  return batchRowsOf(cfg, task) * (arch.kind === 'transformer' ? arch.seqLen : 1) * perToken;
}

function forwardSize(cfg: ResolvedConfig, task: TaskInstance): string {
  return `${forwardMacs(cfg, task, architectureFor(cfg.model, task)).toExponential(1)} multiply-adds per forward pass`;
}

/** Every engine that can train the config on the backend. */
export function enginesFor(cfg: ResolvedConfig, task: TaskInstance, backend: string): EngineName[] {
  const arch = architectureFor(cfg.model, task);
  return [
    ...(hostCanTrain(arch) ? ['host' as const] : []),
    'tfjs' as const,
    ...(isCpuBackend(backend) && workersCanSplit(cfg, task) ? ['workers' as const] : []),
  ];
}

/**
 * The engine a config trains with on a backend (the active tfjs backend's name): its
 * `train.engine`, or for `auto` the fastest for the network's size. Errors name the config key
 * when a forced engine cannot train the config.
 */
export function chooseEngine(cfg: ResolvedConfig, task: TaskInstance, backend: BackendName | typeof NO_BACKEND.name): EngineChoice {
  const host = engineWithoutBackend(cfg, task);
  if (host) return host;
  // The caller loads a backend whenever engineWithoutBackend says none will do.
  if (backend === NO_BACKEND.name) throw new Error(`no tfjs backend is loaded, and ${cfg.train.engine === 'auto' ? 'the engine auto picks' : `train.engine ${cfg.train.engine}`} needs one`);
  const forced = cfg.train.engine;
  if (forced === 'workers' && !isCpuBackend(backend)) throw new BimtError(`train.engine: workers runs tfjs on the wasm or cpu backend, not ${backend}; use auto or tfjs`);
  if (forced !== 'auto') return { name: forced, why: `train.engine: ${forced}` };
  const rows = batchRowsOf(cfg, task);
  const size = forwardSize(cfg, task);
  if (isCpuBackend(backend) && workersCanSplit(cfg, task) && rows >= WORKERS_MIN_ROWS) {
    return { name: 'workers', why: `tfjs ${backend} on ${SHARDS} worker threads, ${rows} rows split between them: ${size}` };
  }
  return { name: 'tfjs', why: `tfjs ${backend}: ${size}` };
}
