/**
 * A task's splits uploaded to the backend once, with targets in the form each loss wants and,
 * for token inputs, the one-hot matrices the embedding lookup multiplies with (built once here
 * rather than every step).
 */
import * as tf from '@tensorflow/tfjs';
import type { Split, TargetSpec, TaskInstance } from '../tasks/task.js';

/** One-hot rows of every token of a split: [n * count, vocab], and its transpose for the gradient. */
export interface TokenOneHot {
  readonly onehot: tf.Tensor2D;
  readonly onehotT: tf.Tensor2D;
}

export interface SplitTensors {
  readonly n: number;
  /** [n, dim] float32 features or [n, count] int32 token ids. */
  readonly x: tf.Tensor2D;
  /** Token inputs only. */
  readonly tokens?: TokenOneHot;
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
  const { inputs } = task;
  if (inputs.kind === 'features') {
    return { n: s.n, x: tf.tensor2d(s.x, [s.n, inputs.dim], 'float32'), ...targets(task.targets, s) };
  }
  const x = tf.tensor2d(s.x, [s.n, inputs.count], 'int32');
  return { n: s.n, x, tokens: tokenOneHot(x, inputs.vocab), ...targets(task.targets, s) };
}

export function tokenOneHot(x: tf.Tensor2D, vocab: number): TokenOneHot {
  return tf.tidy(() => {
    const onehot = tf.cast(tf.oneHot(tf.reshape(x, [-1]) as tf.Tensor1D, vocab), 'float32') as tf.Tensor2D;
    return { onehot, onehotT: tf.transpose(onehot) };
  });
}

function targets(spec: TargetSpec, s: Split): { y: tf.Tensor2D; labels?: tf.Tensor1D } {
  if (spec.kind === 'values') return { y: tf.tensor2d(s.y, [s.n, spec.dim]) };
  const labels = tf.tensor1d(s.y, 'int32');
  return { labels, y: tf.tidy(() => tf.cast(tf.oneHot(labels, spec.count), 'float32') as tf.Tensor2D) };
}

/** Rows `idx` of a split (a mini-batch). */
export function takeRows(s: SplitTensors, idx: tf.Tensor1D): SplitTensors {
  const x = tf.gather(s.x, idx);
  return {
    n: idx.shape[0],
    x,
    ...(s.tokens ? { tokens: tokenOneHot(x, s.tokens.onehot.shape[1]) } : {}),
    y: tf.gather(s.y, idx),
    ...(s.labels ? { labels: tf.gather(s.labels, idx) } : {}),
  };
}

export function disposeSplit(s: SplitTensors): void {
  tf.dispose([s.x, s.y, ...(s.labels ? [s.labels] : []), ...(s.tokens ? [s.tokens.onehot, s.tokens.onehotT] : [])]);
}

export function disposeData(d: DataTensors): void {
  disposeSplit(d.train);
  disposeSplit(d.test);
}
