/**
 * A task's splits uploaded to the backend once, with targets in the form each loss wants and,
 * for token inputs, each fold's token ids in the form the embedding lookup gathers with (built
 * once here rather than every step).
 */
import * as tf from '@tensorflow/tfjs';
import { tokenIds, type ModelInputs } from '../model/bio-model.js';
import type { Split, TargetSpec, TaskInstance } from '../tasks/task.js';

export interface SplitTensors {
  readonly n: number;
  /**
   * [n, dim] float32 features, [n, count] int32 token ids, or [n, length * dim] float32 sequences
   * (each row the [length, dim] sequence flattened row-major; a sequence model reshapes it).
   */
  readonly x: tf.Tensor2D;
  /** Token inputs only: fold f's token of every row, [n, 1] int32 (gatherND indices). */
  readonly tokens?: readonly tf.Tensor2D[];
  /** [n, classes] one-hot, [n, dim] values, or [n, length * dim] sequences flattened as x. */
  readonly y: tf.Tensor2D;
  /** [n] int32 class labels (classification only), for accuracy. */
  readonly labels?: tf.Tensor1D;
}

export interface DataTensors {
  readonly train: SplitTensors;
  readonly test: SplitTensors;
}

export function uploadData(task: TaskInstance): DataTensors {
  return { train: uploadSplit(task, task.train), test: uploadSplit(task, task.test) };
}

function uploadSplit(task: TaskInstance, s: Split): SplitTensors {
  return { ...uploadInputs(task, s.n, s.x), ...targets(task.targets, s) };
}

/**
 * Inputs of n rows in a Split's form (x: [n, dim] features, [n, count] token ids or
 * [n, length * dim] sequences) as a model reads them: a split's, or new inputs (`bimt eval --data`).
 */
export function uploadInputs(task: TaskInstance, n: number, x: Split['x']): ModelInputs & { readonly n: number } {
  const { inputs } = task;
  switch (inputs.kind) {
    case 'features':
      return { n, x: tf.tensor2d(x, [n, inputs.dim], 'float32') };
    case 'sequence':
      return { n, x: tf.tensor2d(x, [n, inputs.length * inputs.dim], 'float32') };
    case 'tokens': {
      const t = tf.tensor2d(x, [n, inputs.count], 'int32');
      return { n, x: t, tokens: tokenIds(t) };
    }
  }
}

/** Targets of rows in a Split's form (y and, for classes, labels), as the losses read them. */
export function uploadTargets(spec: TargetSpec, s: Pick<Split, 'n' | 'y'>): Pick<SplitTensors, 'y' | 'labels'> {
  return targets(spec, s);
}

function targets(spec: TargetSpec, s: Pick<Split, 'n' | 'y'>): { y: tf.Tensor2D; labels?: tf.Tensor1D } {
  if (spec.kind === 'values') return { y: tf.tensor2d(s.y, [s.n, spec.dim]) };
  if (spec.kind === 'sequence') return { y: tf.tensor2d(s.y, [s.n, spec.length * spec.dim]) };
  const labels = tf.tensor1d(s.y, 'int32');
  return { labels, y: tf.tidy(() => tf.cast(tf.oneHot(labels, spec.count), 'float32') as tf.Tensor2D) };
}

/** Rows `idx` of a split (a mini-batch). */
export function takeRows(s: SplitTensors, idx: tf.Tensor1D): SplitTensors {
  const x = tf.gather(s.x, idx);
  return {
    n: idx.shape[0],
    x,
    ...(s.tokens ? { tokens: tokenIds(x) } : {}),
    y: tf.gather(s.y, idx),
    ...(s.labels ? { labels: tf.gather(s.labels, idx) } : {}),
  };
}

export function disposeSplit(s: SplitTensors): void {
  tf.dispose([s.x, s.y, ...(s.labels ? [s.labels] : []), ...(s.tokens ?? [])]);
}

export function disposeData(d: DataTensors): void {
  disposeSplit(d.train);
  disposeSplit(d.test);
}
