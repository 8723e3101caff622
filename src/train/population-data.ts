/**
 * A population's data (docs/design.md, "Populations"): each split of every member's task stacked
 * with a leading model axis, [K, n, ...], member k's rows in slice k, and each step's mini-batch
 * gathered from it, member k's own rows in slice k.
 */
import * as tf from '@tensorflow/tfjs';
import type { TaskInstance } from '../tasks/task.js';

/** One split of every member, [K, n, ...]. */
export interface StackedSplit {
  readonly n: number;
  /** [K, n, features]. */
  readonly x: tf.Tensor3D;
  /** [K, n, outputs]: one-hot rows of class targets, values of value targets. */
  readonly y: tf.Tensor3D;
  /** [K, n] class labels (classes only). */
  readonly labels?: tf.Tensor2D;
}

/** One split of every member's task, stacked [K, n, ...] (classes: one-hot targets and labels, as data.ts makes them). */
export function stackSplit(tasks: readonly TaskInstance[], which: 'train' | 'test'): StackedSplit {
  const K = tasks.length;
  const t0 = tasks[0]!;
  const n = t0[which].n;
  if (t0.inputs.kind !== 'features') throw new Error('unreachable: batchable');
  const dim = t0.inputs.dim;
  const x = new Float32Array(K * n * dim);
  tasks.forEach((t, k) => x.set(t[which].x as Float32Array, k * n * dim));
  const spec = t0.targets;
  if (spec.kind === 'classes') {
    const labels = new Int32Array(K * n);
    tasks.forEach((t, k) => labels.set(t[which].y as Int32Array, k * n));
    const l = tf.tensor2d(labels, [K, n], 'int32');
    return { n, x: tf.tensor3d(x, [K, n, dim]), labels: l, y: tf.tidy(() => tf.cast(tf.oneHot(l, spec.count), 'float32') as tf.Tensor3D) };
  }
  if (spec.kind !== 'values') throw new Error('unreachable: batchable');
  const y = new Float32Array(K * n * spec.dim);
  tasks.forEach((t, k) => y.set(t[which].y as Float32Array, k * n * spec.dim));
  return { n, x: tf.tensor3d(x, [K, n, dim]), y: tf.tensor3d(y, [K, n, spec.dim]) };
}

/**
 * Member k's `rows[k]` of `split` in slice k, [K, B, ...], B rows each (a member without rows,
 * one that has left, takes row 0 B times).
 */
export function gatherRows(split: StackedSplit, rows: readonly (Int32Array | undefined)[]): StackedSplit {
  const K = rows.length;
  const B = rows.find((r) => r !== undefined)!.length;
  const N = split.n;
  const flat = new Int32Array(K * B);
  for (let k = 0; k < K; k++) {
    const r = rows[k];
    if (r && r.length !== B) throw new Error('a population\'s members must draw batches of one size');
    for (let i = 0; i < B; i++) flat[k * B + i] = k * N + (r ? r[i]! : 0);
  }
  return tf.tidy(() => {
    const idx = tf.tensor1d(flat, 'int32');
    const take = (t: tf.Tensor) => tf.reshape(tf.gather(tf.reshape(t, [K * N, ...t.shape.slice(2)]), idx), [K, B, ...t.shape.slice(2)]);
    return {
      n: B,
      x: take(split.x) as tf.Tensor3D,
      y: take(split.y) as tf.Tensor3D,
      ...(split.labels ? { labels: take(split.labels) as tf.Tensor2D } : {}),
    };
  });
}

/** The tensors of a split. */
export function splitTensors(s: StackedSplit): tf.Tensor[] {
  return [s.x, s.y, ...(s.labels ? [s.labels] : [])];
}
