/**
 * A task's splits uploaded to the backend once, with targets in the form each loss wants.
 */
import * as tf from '@tensorflow/tfjs';
import type { Split, TargetSpec, TaskInstance } from '../tasks/task.js';

export interface SplitTensors {
  readonly n: number;
  /** [n, dim] float32 features or [n, count] int32 token ids. */
  readonly x: tf.Tensor2D;
  /** [n, classes] one-hot, or [n, dim] values. */
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
  const width = task.inputs.kind === 'features' ? task.inputs.dim : task.inputs.count;
  const x = tf.tensor2d(s.x, [s.n, width], task.inputs.kind === 'features' ? 'float32' : 'int32');
  return { n: s.n, x, ...targets(task.targets, s) };
}

function targets(spec: TargetSpec, s: Split): { y: tf.Tensor2D; labels?: tf.Tensor1D } {
  if (spec.kind === 'values') return { y: tf.tensor2d(s.y, [s.n, spec.dim]) };
  const labels = tf.tensor1d(s.y, 'int32');
  return { labels, y: tf.tidy(() => tf.cast(tf.oneHot(labels, spec.count), 'float32') as tf.Tensor2D) };
}

/** Rows `idx` of a split (a mini-batch). */
export function takeRows(s: SplitTensors, idx: tf.Tensor1D): SplitTensors {
  return {
    n: idx.shape[0],
    x: tf.gather(s.x, idx),
    y: tf.gather(s.y, idx),
    ...(s.labels ? { labels: tf.gather(s.labels, idx) } : {}),
  };
}

export function disposeData(d: DataTensors): void {
  for (const s of [d.train, d.test]) tf.dispose([s.x, s.y, ...(s.labels ? [s.labels] : [])]);
}
