/**
 * tfjs operations with hand-written gradients, each for a stated reason. Their gradients are
 * tested against tfjs's own (test/ops.test.ts).
 *
 * - `matMul` (and `linear`, x W + b): tfjs differentiates matMul with transposed-operand matMuls, which the wasm
 *   backend runs about 10x slower than an explicit transpose followed by a plain matMul (measured
 *   in `npm run bench`); this gradient uses the latter.
 * - `constantTimes`, `softmaxCrossEntropy`: gradients only where one is needed, in fewer kernels.
 * - `silu`: x sigmoid(x) with its derivative s (1 + x (1 - s)) in one expression instead of the
 *   chain rule through mul and sigmoid.
 * - `absSignGrad`: |x| with gradient sign(x), i.e. 0 at exactly 0 as PyTorch gives (BIMT-SPEC
 *   "Connection cost"); tf.abs's own gradient is -1 there, which would push pruned weights off 0.
 */
import * as tf from '@tensorflow/tfjs';

type GradFn = Parameters<typeof tf.customGrad>[0];

export const matMul = tf.customGrad(((a: tf.Tensor2D, b: tf.Tensor2D, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor2D, [as, bs]: tf.Tensor[]) => [
      tf.matMul(dy, tf.transpose(bs as tf.Tensor2D)),
      tf.matMul(tf.transpose(as as tf.Tensor2D), dy),
    ],
  };
}) as unknown as GradFn) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

/**
 * c -> a c for a constant `a` given with its transpose: only c gets a gradient, a^T dy, without
 * computing a's (the one-hot token matrices of the embedding lookup are data).
 */
export function constantTimes(a: tf.Tensor2D, aT: tf.Tensor2D): (c: tf.Tensor2D) => tf.Tensor2D {
  return tf.customGrad(((c: tf.Tensor2D) => ({
    value: tf.matMul(a, c),
    gradFunc: (dy: tf.Tensor2D) => tf.matMul(aT, dy),
  })) as unknown as GradFn) as (c: tf.Tensor2D) => tf.Tensor2D;
}

/**
 * Mean softmax cross-entropy of logits z [n, k] against one-hot y, with the gradient
 * (softmax(z) - y) / n written directly instead of through tfjs's generic chain.
 */
export const softmaxCrossEntropy = tf.customGrad(((y: tf.Tensor2D, z: tf.Tensor2D, save: tf.GradSaveFunc) => {
  const logp = tf.logSoftmax(z);
  save([y, logp]);
  const n = z.shape[0];
  return {
    value: tf.div(tf.neg(tf.sum(tf.mul(y, logp))), n),
    gradFunc: (dy: tf.Scalar, [ys, lp]: tf.Tensor[]) => [
      tf.zerosLike(ys!),
      tf.mul(tf.sub(tf.exp(lp!), ys!), tf.div(dy, n)),
    ],
  };
}) as unknown as GradFn) as (y: tf.Tensor2D, z: tf.Tensor2D) => tf.Scalar;

export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  return tf.add(matMul(x, w), b);
}

export const silu = tf.customGrad(((x: tf.Tensor2D, save: tf.GradSaveFunc) => {
  const s = tf.sigmoid(x);
  save([x, s]);
  return {
    value: tf.mul(x, s),
    gradFunc: (dy: tf.Tensor2D, [xs, ss]: tf.Tensor[]) =>
      tf.mul(dy, tf.mul(ss!, tf.add(1, tf.mul(xs!, tf.sub(1, ss!))))),
  };
}) as unknown as GradFn) as (x: tf.Tensor2D) => tf.Tensor2D;

export const absSignGrad = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return { value: tf.abs(x), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.sign(saved[0]!)) };
}) as unknown as GradFn) as <T extends tf.Tensor>(x: T) => T;
