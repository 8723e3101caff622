/**
 * Loss rows on a float64 buffer, forward and gradient (docs/design.md, "Model" and "Host op
 * library"): each takes one row of outputs at mem[z..] and returns that row's summed loss (the
 * squared errors: the running sum with the row added), writing d loss / d z into mem[dz..] when
 * dz >= 0. The caller divides the sum by its count (rows, or rows times outputs) and passes the
 * same count for the gradient. test/ops/losses.test.ts holds them to finite differences and to tfjs.
 */

/**
 * Softmax cross-entropy of logits z [k] against the class at position `label` (no class: -1):
 * log sum_q e^z_q - z_label, with `max` = max_q z_q (the caller has found it for the accuracy).
 * Gradient, for a mean over n rows: (softmax(z)_q - [q = label]) / n.
 */
export function softmaxCrossEntropyRow(mem: Float64Array, z: number, k: number, max: number, label: number, dz: number, n: number): number {
  let sum = 0;
  for (let q = 0; q < k; q++) sum += Math.exp(mem[z + q] - max);
  const logSum = Math.log(sum) + max;
  let zLabel = 0;
  for (let q = 0; q < k; q++) {
    if (q === label) zLabel = mem[z + q];
    if (dz >= 0) mem[dz + q] = (Math.exp(mem[z + q] - logSum) - (q === label ? 1 : 0)) / n;
  }
  return logSum - zLabel;
}

/**
 * Squared errors of a row of outputs z [k] against value targets (tf.losses.meanSquaredError, a
 * mean over all n * k entries): output position q is original output perm[q], whose target is
 * y[y0 + perm[q]]. Adds each d^2 to the running `total` in order and returns it (a running sum
 * over every row: the rounding HostMlp's golden runs hold), and to perOutput[perm[q]] when given.
 * Gradient 2 d / (n k) = `scale` d into mem[dz..] when dz >= 0.
 */
export function squaredErrorRow(mem: Float64Array, z: number, k: number, y: ArrayLike<number>, y0: number, perm: Int32Array, total: number, perOutput: number[] | undefined, dz: number, scale: number): number {
  for (let q = 0; q < k; q++) {
    const d = mem[z + q] - y[y0 + perm[q]];
    total += d * d;
    if (perOutput) perOutput[perm[q]] += d * d;
    if (dz >= 0) mem[dz + q] = scale * d;
  }
  return total;
}

/**
 * Squared errors of a row of outputs z [k] against the one-hot row of class `label` (the MNIST
 * notebook's nn.MSELoss on one_hots[label], a mean over all `count` = n * k entries): output
 * position q stands for class perm[q]. Adds each d^2 to the running `total` in order and returns
 * it; gradient (2 d) / count into mem[dz..] when dz >= 0 (rounded as written: the golden runs of
 * `train.loss: mse-onehot` hold it).
 */
export function oneHotSquaredErrorRow(mem: Float64Array, z: number, k: number, label: number, perm: Int32Array, total: number, dz: number, count: number): number {
  for (let q = 0; q < k; q++) {
    const d = mem[z + q] - (perm[q] === label ? 1 : 0);
    total += d * d;
    if (dz >= 0) mem[dz + q] = (2 * d) / count;
  }
  return total;
}

/**
 * The scored sequence loss's row (docs/experiments.md, "In-context regression"). It lives in
 * src/tasks/sequence-loss.ts, the lowest layer that both its users reach (test/layering.test.ts:
 * tasks/ sits below model/): the task's host metrics (sequenceMse) and HostTransformer.
 */
export { addScoredSquaredErrors } from '../../tasks/sequence-loss.js';
