/**
 * A task's splits uploaded to the backend once, with targets in the form each loss wants and,
 * for token inputs, each fold's token ids in the form the embedding lookup gathers with (built
 * once here rather than every step).
 */
import * as tf from '@tensorflow/tfjs';
import { tokenIds } from '../model/bio-model.js';
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
  const { inputs } = task;
  switch (inputs.kind) {
    case 'features':
      return { n: s.n, x: tf.tensor2d(s.x, [s.n, inputs.dim], 'float32'), ...targets(task.targets, s) };
    case 'sequence':
      return { n: s.n, x: tf.tensor2d(s.x, [s.n, inputs.length * inputs.dim], 'float32'), ...targets(task.targets, s) };
    case 'tokens': {
      const x = tf.tensor2d(s.x, [s.n, inputs.count], 'int32');
      return { n: s.n, x, tokens: tokenIds(x), ...targets(task.targets, s) };
    }
  }
}

function targets(spec: TargetSpec, s: Split): { y: tf.Tensor2D; labels?: tf.Tensor1D } {
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
