/**
 * Task losses and metrics: cross-entropy with accuracy for classes, MSE for values (both means,
 * as PyTorch's defaults).
 */
import * as tf from '@tensorflow/tfjs';
import { BioModel } from '../model/bio-model.js';
import { softmaxCrossEntropy } from '../model/ops.js';
import type { Network } from '../model/network.js';
import type { Evaluation, TargetSpec, TaskInstance } from '../tasks/task.js';
import { disposeData, uploadData, type DataTensors, type SplitTensors } from './data.js';

/** Scalar task loss of predictions [n, out] against a split's targets. */
export function taskLoss(targets: TargetSpec, pred: tf.Tensor2D, s: SplitTensors): tf.Scalar {
  return targets.kind === 'classes'
    ? softmaxCrossEntropy(s.y, pred)
    : tf.losses.meanSquaredError(s.y, pred);
}

/** Losses and accuracies on both splits, in one read-back from the backend. */
export function evaluate(model: BioModel, targets: TargetSpec, data: DataTensors): Evaluation {
  const values = tf.tidy(() => {
    const out: tf.Scalar[] = [];
    for (const s of [data.train, data.test]) {
      const pred = model.forwardSplit(s);
      out.push(taskLoss(targets, pred, s));
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

/** Evaluates a host network on a task's splits (prune, plot and reproduce use this). */
export function evaluateNetwork(net: Network, task: TaskInstance): Evaluation {
  const model = BioModel.fromNetwork(net);
  const data = uploadData(task);
  try {
    return evaluate(model, task.targets, data);
  } finally {
    model.dispose();
    disposeData(data);
  }
}

/** Predictions [n, outputs] of a host network for one split, outputs in their original order. */
export function predictNetwork(net: Network, task: TaskInstance, split: 'train' | 'test'): Float32Array {
  const model = BioModel.fromNetwork(net);
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
