/**
 * Task losses and metrics: cross-entropy (or one-hot MSE, `train.loss`) with accuracy for classes, MSE for values (both means,
 * as PyTorch's defaults), and for sequences the MSE of the scored entries (src/model/ops/sequence-loss-tfjs.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { softmaxCrossEntropy } from '../model/ops/tfjs.js';
import type { Network } from '../model/network.js';
import type { ClassLoss } from '../model/host-mlp.js';
import { tfModelOf } from '../model/tf-model.js';
import { readTensors } from '../model/tf-variables.js';
import type { Evaluation, ScoredLosses, TargetSpec, TaskInstance } from '../tasks/task.js';
import { disposeData, uploadData, type DataTensors, type SplitTensors } from './data.js';
import { scoredEntryLosses, sequenceLoss } from '../model/ops/sequence-loss-tfjs.js';

/**
 * Scalar task loss of predictions [n, out] against a split's targets; for sequence targets
 * out = length * dim, each row the [length, dim] prediction flattened row-major.
 */
export function taskLoss(targets: TargetSpec, pred: tf.Tensor2D, s: Pick<SplitTensors, 'y'>, classLoss: ClassLoss = 'cross-entropy'): tf.Scalar {
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
 * also each scored entry's loss (`scoredLosses`). Asynchronous, as webgpu must read (the engines'
 * evaluation).
 */
export async function evaluate(model: SplitPredictor, targets: TargetSpec, data: DataTensors, classLoss: ClassLoss = 'cross-entropy'): Promise<TaskEvaluation> {
  const values = evaluationTensor(model, targets, data, classLoss);
  try {
    return evaluationOf(targets, (await readTensors([values]))[0]);
  } finally {
    values.dispose();
  }
}

/** `evaluate` with a synchronous read, which the webgpu backend cannot do (bimt prune, plot, reproduce). */
export function evaluateSync(model: SplitPredictor, targets: TargetSpec, data: DataTensors, classLoss: ClassLoss = 'cross-entropy'): TaskEvaluation {
  const values = evaluationTensor(model, targets, data, classLoss);
  try {
    return evaluationOf(targets, values.dataSync());
  } finally {
    values.dispose();
  }
}

/**
 * Everything an evaluation reads, as one vector: per split the loss and, for classes, the
 * accuracy; for sequence targets per split the loss, then the k scored entries' losses.
 */
function evaluationTensor(model: SplitPredictor, targets: TargetSpec, data: DataTensors, classLoss: ClassLoss): tf.Tensor1D {
  return tf.tidy(() => {
    const out = [data.train, data.test].flatMap((s) => splitValues(targets, model.forwardSplit(s), s, classLoss));
    return tf.concat(out);
  });
}

/**
 * One split's part of an evaluation from its predictions: the loss and, for classes, the accuracy;
 * for sequence targets the loss, then the k scored entries' losses (a population evaluates each
 * member with this too).
 */
export function splitValues(targets: TargetSpec, pred: tf.Tensor2D, s: Pick<SplitTensors, 'y' | 'labels'>, classLoss: ClassLoss): tf.Tensor1D[] {
  const out: tf.Tensor1D[] = [tf.reshape(taskLoss(targets, pred, s, classLoss), [1])];
  if (targets.kind === 'sequence') out.push(scoredEntryLosses(targets, pred, s.y));
  else if (s.labels) out.push(tf.reshape(tf.mean(tf.cast(tf.equal(tf.argMax(pred, 1), s.labels), 'float32')), [1]));
  return out;
}

/** The evaluation that `evaluationTensor`'s values hold. */
export function evaluationOf(targets: TargetSpec, values: ArrayLike<number>): TaskEvaluation {
  const v = Array.from(values);
  switch (targets.kind) {
    case 'classes':
      return { trainLoss: v[0], trainAcc: v[1], testLoss: v[2], testAcc: v[3] };
    case 'values':
      return { trainLoss: v[0], trainAcc: null, testLoss: v[1], testAcc: null };
    case 'sequence': {
      const k = targets.scored.length;
      return {
        trainLoss: v[0],
        testLoss: v[k + 1],
        trainAcc: null,
        testAcc: null,
        scoredLosses: { train: v.slice(1, k + 1), test: v.slice(k + 2, 2 * k + 2) },
      };
    }
  }
}

/**
 * Evaluates a host network on a task's splits (prune, plot and reproduce use this, synchronously:
 * their backend is never webgpu, src/cli/options.ts SYNC_READS); `classLoss` is the plan's.
 */
export function evaluateNetwork(net: Network, task: TaskInstance, classLoss: ClassLoss = 'cross-entropy'): TaskEvaluation {
  const model = tfModelOf(net);
  const data = uploadData(task);
  try {
    return evaluateSync(model, task.targets, data, classLoss);
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

/**
 * Class probabilities [n, classes] of a host network for rows of features x [n, inputs] that are
 * no task's split (the decision-boundary picture's grid): the softmax of its outputs, on tfjs as
 * every evaluation is, so a picture agrees with the accuracy its title gives.
 *
 *   classProbabilities(net, Float32Array.of(0, 0, 1, 1), 2)  // [2, classes], rows sum to 1
 */
export function classProbabilities(net: Network, x: Float32Array, n: number): Float32Array {
  const model = tfModelOf(net);
  try {
    const p = tf.tidy(() => tf.softmax(model.forwardSplit({ x: tf.tensor2d(x, [n, n > 0 ? x.length / n : 0]) })));
    const out = p.dataSync() as Float32Array;
    p.dispose();
    return out;
  } finally {
    model.dispose();
  }
}
