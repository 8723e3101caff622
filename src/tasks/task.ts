/**
 * What every task provides (docs/design.md, "Data flow"): data from a seed, the loss, and human
 * names for inputs and outputs. One file per task implements `TaskDefinition`.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';

/**
 * Most samples a generated split may have (task.n_train, task.n_test): ten million rows of a few
 * features are a few hundred megabytes; far beyond that the data alone would exhaust memory while
 * the config is still being checked, before the memory estimate of src/train/memory.ts can refuse it.
 */
export const MAX_SAMPLES = 10_000_000;

/** How a sample's input is given. */
export type InputSpec =
  /** `dim` real features per sample; x is Float32Array [n, dim]. */
  | { readonly kind: 'features'; readonly dim: number }
  /** `count` token ids per sample in [0, vocab); x is Int32Array [n, count], fed through an embedding. */
  | { readonly kind: 'tokens'; readonly count: number; readonly vocab: number }
  /**
   * A sequence of `length` tokens of `dim` real channels per sample; x is Float32Array
   * [n, length, dim], row-major (sample, then position, then channel), fed to a sequence model.
   */
  | { readonly kind: 'sequence'; readonly length: number; readonly dim: number };

/** What the network predicts. */
export type TargetSpec =
  /** Class index per sample, cross-entropy loss, accuracy reported; y is Int32Array [n]. */
  | { readonly kind: 'classes'; readonly count: number }
  /** `dim` real values per sample, MSE loss; y is Float32Array [n, dim]. */
  | { readonly kind: 'values'; readonly dim: number }
  /**
   * A prediction of `dim` channels at each of `length` positions; y is Float32Array [n, length, dim]
   * like a sequence input. Only the `scored` entries count: the loss is the mean over rows and
   * scored entries of the squared error (src/tasks/sequence-loss.ts), every other entry is free.
   */
  | { readonly kind: 'sequence'; readonly length: number; readonly dim: number; readonly scored: readonly ScoredEntry[] };

/** One entry of a sequence target that the loss counts: channel `channel` at position `position`. */
export interface ScoredEntry {
  readonly position: number;
  readonly channel: number;
}

export interface Split {
  readonly n: number;
  readonly x: Float32Array | Int32Array;
  readonly y: Float32Array | Int32Array;
}

/** A model's task losses and accuracies on both splits. */
export interface Evaluation {
  readonly trainLoss: number;
  readonly testLoss: number;
  /** null for regression tasks. */
  readonly trainAcc: number | null;
  readonly testAcc: number | null;
}

/**
 * Sequence targets: the mean squared error of each scored entry on each split, in the order of
 * `TargetSpec.scored` (src/tasks/sequence-loss.ts); the per-output losses of metrics rows.
 */
export interface ScoredLosses {
  readonly train: readonly number[];
  readonly test: readonly number[];
}

export interface TaskInstance {
  readonly inputs: InputSpec;
  readonly targets: TargetSpec;
  readonly train: Split;
  readonly test: Split;
  /**
   * Name of each original input feature, of each embedding dimension for token inputs, or of each
   * channel for sequence inputs.
   */
  readonly inputLabels: readonly string[];
  /** Name of each original output (of each channel for sequence targets). */
  readonly outputLabels: readonly string[];
  /**
   * The column a table task's targets were read from (its `task.target`): new inputs for
   * `bimt eval --data` may give their targets in it too (src/tasks/input-columns.ts).
   */
  readonly targetColumn?: string;
  /** The files the data was read from (a table's CSV files, MNIST's IDX files): a resume checks them. */
  readonly dataFiles?: readonly DataFile[];
}

/**
 * What building a task may take: the memory limit of `bimt train` (src/train/memory.ts), so that
 * data read from files (MNIST's IDX images) is refused from its headers before it is unpacked.
 */
export interface BuildLimits {
  readonly memory?: { readonly bytes: number; readonly source: string };
}

/** A data file as a task read it: its path, size and the sha256 of the bytes it trained on. */
export interface DataFile {
  readonly file: string;
  readonly size: number;
  readonly sha256: string;
}

/** The record of `bytes`, read from `file` (hashed as read, so what is recorded is what trained). */
export function dataFile(file: string, bytes: Uint8Array): DataFile {
  return { file, size: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * The pictures `bimt plot --kind task` draws of a task (docs/cli.md, "bimt plot"). A task names
 * its pictures as data: tasks sit below the drawing code (docs/design.md, "Layers"), and
 * src/plot/task-figures.ts draws each kind, one module per picture in src/plot/figures/.
 *
 * - `decision-boundary`: a classifier of two features, its class probability over their plane
 * - `predicted-vs-true`: value (or scored sequence) targets, each output against its true value
 * - `embedding-frequencies`: token embeddings of residues mod p, one plane per Fourier frequency
 * - `embedding-sign`: token embeddings of permutations, even against odd
 * - `confusion`: classes without a plane to draw them on, the test set's confusion matrix
 */
export const TASK_FIGURE_KINDS = ['decision-boundary', 'predicted-vs-true', 'embedding-frequencies', 'embedding-sign', 'confusion'] as const;
export type TaskFigureKind = (typeof TASK_FIGURE_KINDS)[number];

export interface TaskDefinition<S extends z.ZodType = z.ZodType> {
  readonly kind: string;
  /** The `task:` section of a config for this task (a strict object with `kind` literal). */
  readonly schema: S;
  /**
   * Keys of the task section that name files (a table task's CSV files). Config loading makes
   * them absolute, relative to the config file that wrote them (src/config/load.ts), so `build`
   * and a run's saved config.yaml never depend on the current directory.
   */
  readonly pathKeys?: readonly string[];
  /** Builds the data for a validated task section; all randomness from `seed`. */
  build(config: z.infer<S>, seed: number, limits?: BuildLimits): TaskInstance;
  /** The pictures of a task this definition built, drawn in this order (`bimt plot --kind task`). */
  figures(task: TaskInstance): readonly TaskFigureKind[];
}
