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
import type { Evaluation, ScoredLosses, Split, TargetSpec, TaskInstance } from '../tasks/task.js';
import { disposeData, uploadData, uploadInputs, uploadTargets, type DataTensors, type SplitTensors } from './data.js';
import { scoredEntryLosses, sequenceLoss, sequenceRowLosses } from '../model/ops/sequence-loss-tfjs.js';

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

/** What `evaluateRows` measures where the rows' targets are known. */
export interface RowsScore {
  /** Each row's loss [n]; their mean is `loss`. */
  readonly rowLoss: Float32Array;
  /** The task loss of the rows, as `evaluateNetwork` computes it for a split. */
  readonly loss: number;
  /** Classes: the share of rows whose largest output is the target's; otherwise null. */
  readonly acc: number | null;
  /**
   * The per-output losses of metrics.csv's `test_loss_<k>` columns: for sequence targets each
   * scored entry's mean squared error, in `scored` order; for several values each output's.
   */
  readonly outputLosses?: readonly number[];
}

/** The raw outputs of rows of inputs, and their losses where the targets are known. */
export interface RowsEvaluation {
  /** [n, outputs], outputs in the task's original order (sequences flattened [length * dim]). */
  readonly outputs: Float32Array;
  readonly score?: RowsScore;
}

/**
 * A host network on rows of inputs in a split's form (x [n, ...] as Split.x, y as Split.y when
 * known): a split of its task, or new inputs (`bimt eval`). On tfjs, as every evaluation is, so
 * the loss of a task's split is the one `evaluateNetwork` and training report for it.
 *
 *   evaluateRows(net, task, task.test).score.loss  // === evaluateNetwork(net, task).testLoss
 */
export function evaluateRows(net: Network, task: TaskInstance, rows: { readonly n: number; readonly x: Split['x']; readonly y?: Split['y'] }, classLoss: ClassLoss = 'cross-entropy'): RowsEvaluation {
  const model = tfModelOf(net);
  const inputs = uploadInputs(task, rows.n, rows.x);
  const { targets } = task;
  const y = rows.y === undefined ? undefined : uploadTargets(targets, { n: rows.n, y: rows.y });
  try {
    let result: RowsEvaluation | undefined;
    // tidy frees every intermediate tensor; the results leave it as host arrays.
    tf.tidy(() => {
      const pred = model.forwardSplit(inputs);
      const outputs = pred.dataSync() as Float32Array;
      if (y === undefined) {
        result = { outputs };
        return;
      }
      const values = Array.from(tf.concat(splitValues(targets, pred, y, classLoss)).dataSync());
      const rowLoss = rowLosses(targets, pred, y.y, classLoss).dataSync() as Float32Array;
      const loss = values[0]!;
      const score: RowsScore =
        targets.kind === 'sequence'
          ? { rowLoss, loss, acc: null, outputLosses: values.slice(1) }
          : targets.kind === 'values' && targets.dim > 1
            ? { rowLoss, loss, acc: null, outputLosses: Array.from(tf.mean(tf.square(tf.sub(pred, y.y)), 0).dataSync()) }
            : { rowLoss, loss, acc: targets.kind === 'classes' ? values[1]! : null };
      result = { outputs, score };
    });
    return result!;
  } finally {
    model.dispose();
    tf.dispose([inputs.x, ...(inputs.tokens ?? []), ...(y ? [y.y, ...(y.labels ? [y.labels] : [])] : [])]);
  }
}

/**
 * Each row's part of `taskLoss`: pred, y [n, out] -> [n], whose mean is the task loss (cross-entropy
 * of the row, or the mean over its outputs or scored entries of the squared error).
 */
export function rowLosses(targets: TargetSpec, pred: tf.Tensor2D, y: tf.Tensor2D, classLoss: ClassLoss = 'cross-entropy'): tf.Tensor1D {
  return tf.tidy(() => {
    switch (targets.kind) {
      case 'classes':
        if (classLoss === 'mse-onehot') return tf.mean(tf.square(tf.sub(pred, y)), 1) as tf.Tensor1D;
        return tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(pred)), 1)) as tf.Tensor1D;
      case 'values':
        return tf.mean(tf.square(tf.sub(pred, y)), 1) as tf.Tensor1D;
      case 'sequence':
        return sequenceRowLosses(targets, pred, y);
    }
  });
}
