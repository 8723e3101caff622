/**
 * Task losses and metrics: cross-entropy (or one-hot MSE, `train.loss`) with accuracy for classes, MSE for values (both means,
 * as PyTorch's defaults), and for sequences the MSE of the scored entries (src/train/sequence-loss.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { softmaxCrossEntropy } from '../model/ops.js';
import type { Network } from '../model/network.js';
import type { ClassLoss } from '../model/host-mlp.js';
import { tfModelOf } from '../model/tf-model.js';
import type { Evaluation, ScoredLosses, TargetSpec, TaskInstance } from '../tasks/task.js';
import { disposeData, uploadData, type DataTensors, type SplitTensors } from './data.js';
import { scoredEntryLosses, sequenceLoss } from './sequence-loss.js';

/**
 * Scalar task loss of predictions [n, out] against a split's targets; for sequence targets
 * out = length * dim, each row the [length, dim] prediction flattened row-major.
 */
export function taskLoss(targets: TargetSpec, pred: tf.Tensor2D, s: SplitTensors, classLoss: ClassLoss = 'cross-entropy'): tf.Scalar {
  switch (targets.kind) {
    case 'classes':
      // s.y is the one-hot [n, classes] form of the labels (src/train/data.ts).
      return classLoss === 'mse-onehot' ? tf.losses.meanSquaredError(s.y, pred) : softmaxCrossEntropy(s.y, pred);
    case 'values':
      return tf.losses.meanSquaredError(s.y, pred);
    case 'sequence':
      return sequenceLoss(targets, pred, s.y);
  }
}

/** What `evaluate` needs of a model: predictions [n, out] of an uploaded split (BioModel has it). */
export interface SplitPredictor {
  forwardSplit(s: SplitTensors): tf.Tensor2D;
}

/** An evaluation, with each scored entry's loss for sequence targets. */
export type TaskEvaluation = Evaluation & { readonly scoredLosses?: ScoredLosses };

/**
 * Losses and accuracies on both splits, in one read-back from the backend; for sequence targets
 * also each scored entry's loss (`scoredLosses`).
 */
export function evaluate(model: SplitPredictor, targets: TargetSpec, data: DataTensors, classLoss: ClassLoss = 'cross-entropy'): TaskEvaluation {
  if (targets.kind === 'sequence') return evaluateSequence(model, targets, data);
  const values = tf.tidy(() => {
    const out: tf.Scalar[] = [];
    for (const s of [data.train, data.test]) {
      const pred = model.forwardSplit(s);
      out.push(taskLoss(targets, pred, s, classLoss));
      if (s.labels) out.push(tf.mean(tf.cast(tf.equal(tf.argMax(pred, 1), s.labels), 'float32')));
    }
    return tf.stack(out);
  });
  const v = values.dataSync();
  values.dispose();
  return targets.kind === 'classes'
    ? { trainLoss: v[0], trainAcc: v[1], testLoss: v[2], testAcc: v[3] }
    : { trainLoss: v[0], trainAcc: null, testLoss: v[1], testAcc: null };
}

/** `evaluate` for sequence targets: per split the loss, then the k scored entries' losses. */
function evaluateSequence(model: SplitPredictor, targets: Extract<TargetSpec, { kind: 'sequence' }>, data: DataTensors): TaskEvaluation {
  const values = tf.tidy(() =>
    tf.concat(
      [data.train, data.test].flatMap((s) => {
        const pred = model.forwardSplit(s);
        return [tf.reshape(taskLoss(targets, pred, s), [1]), scoredEntryLosses(targets, pred, s.y)];
      }),
    ),
  );
  const v = Array.from(values.dataSync());
  values.dispose();
  const k = targets.scored.length;
  return {
    trainLoss: v[0],
    testLoss: v[k + 1],
    trainAcc: null,
    testAcc: null,
    scoredLosses: { train: v.slice(1, k + 1), test: v.slice(k + 2, 2 * k + 2) },
  };
}

/** Evaluates a host network on a task's splits (prune, plot and reproduce use this); `classLoss` is the plan's. */
export function evaluateNetwork(net: Network, task: TaskInstance, classLoss: ClassLoss = 'cross-entropy'): TaskEvaluation {
  const model = tfModelOf(net);
  const data = uploadData(task);
  try {
    return evaluate(model, task.targets, data, classLoss);
  } finally {
    model.dispose();
    disposeData(data);
  }
}

/** Predictions [n, outputs] of a host network for one split, outputs in their original order. */
export function predictNetwork(net: Network, task: TaskInstance, split: 'train' | 'test'): Float32Array {
  const model = tfModelOf(net);
  const data = uploadData(task);
  try {
    const pred = model.forwardSplit(data[split]);
    const out = pred.dataSync() as Float32Array;
    pred.dispose();
    return out;
  } finally {
    model.dispose();
    disposeData(data);
  }
}
