/**
 * Loss rows on a float64 buffer, forward and gradient (docs/design.md, "Model" and "Host op
 * library"): each takes one row of outputs at mem[z..] and returns that row's summed loss, writing
 * d loss / d z into mem[dz..] when dz >= 0. The caller divides the sum by its count (rows, or rows
 * times outputs) and passes the same count for the gradient. test/ops/losses.test.ts holds them
 * to finite differences and to tfjs.
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
