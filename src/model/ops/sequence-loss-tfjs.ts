/**
 * The loss of a sequence target on tfjs, differentiable: the twin of src/tasks/sequence-loss.ts
 * (docs/experiments.md, "In-context regression", and docs/design.md, "Host op library"; an op beside
 * the other tfjs forms here, where model/ and train/ both reach it). Predictions and targets are 2-D, [n, length * dim]
 * (each row the [length, dim] sequence flattened row-major), so that a model's output goes through
 * the same Tensor2D paths as every other task's; a model that computes [n, length, dim] reshapes
 * its output to [n, length * dim] before the loss.
 */
import * as tf from '@tensorflow/tfjs';
import { scoredColumns, type SequenceTarget } from '../../tasks/sequence-loss.js';

/** The scored entries' columns of [n, length * dim] predictions or targets: [n, scored]. */
function scoredOf(spec: SequenceTarget, t: tf.Tensor2D): tf.Tensor2D {
  return tf.gather(t, tf.tensor1d(scoredColumns(spec), 'int32'), 1);
}

/** [1, length * dim]: 1 at the scored columns, 0 elsewhere. */
function scoredMask(spec: SequenceTarget): tf.Tensor2D {
  const mask = new Float32Array(spec.length * spec.dim);
  for (const c of scoredColumns(spec)) mask[c] = 1;
  return tf.tensor2d(mask, [1, mask.length]);
}

/**
 * Mean over rows and scored entries of the squared error: pred, y [n, length * dim] -> scalar.
 * Entries that are not scored get no gradient. A mask rather than a gather, whose gradient
 * (UnsortedSegmentSum) the wasm backend lacks; the masked-out zeros add nothing to the sum.
 */
export function sequenceLoss(spec: SequenceTarget, pred: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.div(tf.sum(tf.mul(tf.square(tf.sub(pred, y)), scoredMask(spec))), pred.shape[0] * spec.scored.length));
}

/**
 * Mean over rows of each scored entry's squared error, in `scored` order: pred, y
 * [n, length * dim] -> [scored]. For metrics; their mean is `sequenceLoss`.
 */
export function scoredEntryLosses(spec: SequenceTarget, pred: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(scoredOf(spec, pred), scoredOf(spec, y))), 0) as tf.Tensor1D);
}

/**
 * Each row's mean over the scored entries of the squared error: pred, y [n, length * dim] -> [n]
 * (`bimt eval`'s per-row loss); their mean is `sequenceLoss`.
 */
export function sequenceRowLosses(spec: SequenceTarget, pred: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(scoredOf(spec, pred), scoredOf(spec, y))), 1) as tf.Tensor1D);
}
