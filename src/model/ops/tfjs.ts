/**
 * tfjs operations with hand-written gradients, each for a stated reason. Their gradients are
 * tested against tfjs's own (test/ops/tfjs.test.ts).
 *
 * - `matMul` (and `linear`, x W + b): tfjs differentiates matMul with transposed-operand matMuls, which the wasm
 *   backend runs about 10x slower than an explicit transpose followed by a plain matMul (measured
 *   in `npm run bench`); this gradient uses the latter.
 * - `softmaxCrossEntropy`: a gradient only for the logits, (softmax - y) / n, in fewer kernels.
 * - `tokenRowSum` (inside `embeddedLinear`): a row lookup whose gradient adds rows back with
 *   scatterND; tf.gather's gradient (UnsortedSegmentSum) is missing on wasm.
 * - `silu`: x sigmoid(x) with its derivative s (1 + x (1 - s)) in one expression instead of the
 *   chain rule through mul and sigmoid.
 * - `gelu`: tanh GELU with its derivative in one expression (the constants are activations.ts's).
 * - `absSignGrad`: |x| with gradient sign(x), i.e. 0 at exactly 0 as PyTorch gives
 *   (docs/design.md, "Connection cost"); tf.abs's own gradient is -1 there, which would push
 *   pruned weights off 0.
 */
import * as tf from '@tensorflow/tfjs';
import { GELU_A, GELU_C, LN_EPS } from './activations.js';

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
 * Mean softmax cross-entropy of logits z [n, k] against one-hot y [n, k] -> scalar, with the
 * gradient (softmax(z) - y) / n written directly instead of through tfjs's generic chain.
 *
 * The log-softmax z - lse comes from the Softmax kernel rather than tf.logSoftmax: a row's
 * largest probability is e^0 / sum(e^(z - max z)), so lse = max z - log(max p). On wasm, Softmax
 * is one vectorised kernel while logSoftmax's Exp (and a second Exp for the gradient) costs
 * about five times as much over the fig5 batch's 2784 x 59 logits.
 */
export const softmaxCrossEntropy = tf.customGrad(((y: tf.Tensor2D, z: tf.Tensor2D, save: tf.GradSaveFunc) => {
  const p = tf.softmax(z);
  const lse = tf.sub(tf.max(z, 1, true), tf.log(tf.max(p, 1, true)));
  save([y, p]);
  const n = z.shape[0];
  return {
    value: tf.div(tf.neg(tf.sum(tf.mul(y, tf.sub(z, lse)))), n),
    gradFunc: (dy: tf.Scalar, [ys, ps]: tf.Tensor[]) => [
      tf.zerosLike(ys!),
      tf.mul(tf.sub(ps!, ys!), tf.div(dy, n)),
    ],
  };
}) as unknown as GradFn) as (y: tf.Tensor2D, z: tf.Tensor2D) => tf.Scalar;

/** x [n, in] W [in, out] + b [out] -> [n, out]. */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D;
/**
 * K networks' layers at once (docs/design.md, "Populations"): x [K, n, in] W [K, in, out] +
 * b [K, out] -> [K, n, out]: one batched matMul with tfjs's own gradient, as populations were
 * measured (`matMul`'s explicit transposes were measured for one network on wasm).
 */
export function linear(x: tf.Tensor3D, w: tf.Tensor3D, b: tf.Tensor2D): tf.Tensor3D;
export function linear(x: tf.Tensor2D | tf.Tensor3D, w: tf.Tensor2D | tf.Tensor3D, b: tf.Tensor1D | tf.Tensor2D): tf.Tensor {
  if (x.rank === 2) return tf.add(matMul(x as tf.Tensor2D, w as tf.Tensor2D), b);
  return tf.add(tf.matMul(x, w), tf.reshape(b, [b.shape[0], 1, -1]));
}

export const silu = tf.customGrad(((x: tf.Tensor2D, save: tf.GradSaveFunc) => {
  const s = tf.sigmoid(x);
  save([x, s]);
  return {
    value: tf.mul(x, s),
    gradFunc: (dy: tf.Tensor2D, [xs, ss]: tf.Tensor[]) =>
      tf.mul(dy, tf.mul(ss!, tf.add(1, tf.mul(xs!, tf.sub(1, ss!))))),
  };
}) as unknown as GradFn) as <T extends tf.Tensor>(x: T) => T;

export const absSignGrad = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return { value: tf.abs(x), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.sign(saved[0]!)) };
}) as unknown as GradFn) as <T extends tf.Tensor>(x: T) => T;

/**
 * The embedding lookup and the first linear layer in one: token ids [n, 1] int32 for each of F
 * folds, embedding E [vocab, dim], the input permutation matrix P [dim, dim], W0 [F * dim, N_1],
 * b0 [N_1] -> [n, N_1], equal to concat_f(E P [ids_f]) W0 + b0.
 *
 * Since fold f only meets W0's rows f * dim ... (f + 1) * dim - 1 (block W0_f), the product is
 * sum_f (E P W0_f)[ids_f]: each fold's small table [vocab, N_1] is made first and its rows are
 * looked up, instead of looking up n * F embedding rows and multiplying [n, F * dim] by W0. For
 * fig5's full batch (2784 rows, vocab 59) this replaces the step's largest matMuls (the one-hot
 * lookup, the first layer and their gradients) with [59, 32] x [32, 50] ones. b0 joins fold 0's
 * table, whose rows each output row picks exactly once.
 */
export function embeddedLinear(
  ids: readonly tf.Tensor2D[],
  embedding: tf.Tensor2D,
  inMatrix: tf.Tensor2D,
  w0: tf.Tensor2D,
  b0: tf.Tensor1D,
): tf.Tensor2D {
  const permuted = matMul(embedding, inMatrix);
  const blocks = tf.split(w0, ids.length, 0) as tf.Tensor2D[];
  const tables = blocks.map((w, f) => (f === 0 ? linear(permuted, w, b0) : matMul(permuted, w)));
  return tokenRowSum(ids)(...tables);
}

/**
 * tables[f] [vocab, k] -> [n, k], row r = sum_f tables[f][ids[f][r]], for constant ids [n, 1]
 * int32 (data made outside the gradient's scope: they are not saved for the backward pass, as
 * `save` would copy them every step). Gradient: the rows of dy added back into each table at its
 * fold's ids (scatterND adds duplicates). gatherND rather than tf.gather: on wasm, tf.gather has
 * no gradient kernel and its forward takes ~100x longer than gatherND for fig5's rows.
 */
function tokenRowSum(ids: readonly tf.Tensor2D[]): (...tables: tf.Tensor2D[]) => tf.Tensor2D {
  return tf.customGrad(((...args: unknown[]) => {
    const tables = args.slice(0, -1) as tf.Tensor2D[]; // customGrad appends `save`
    const rows = tables.map((t, f) => tf.gatherND(t, ids[f]!) as tf.Tensor2D);
    return {
      value: rows.length === 1 ? rows[0]! : tf.addN(rows),
      gradFunc: (dy: tf.Tensor2D) => tables.map((t, f) => tf.scatterND(ids[f]!, dy, t.shape)),
    };
  }) as unknown as GradFn) as (...tables: tf.Tensor2D[]) => tf.Tensor2D;
}

/** PyTorch's LayerNorm over the last axis of [rows, E]: biased variance, eps 1e-5, gain and bias. */
export function layerNormOf(x: tf.Tensor2D, gain: tf.Tensor1D, bias: tf.Tensor1D): tf.Tensor2D {
  const centred = tf.sub(x, tf.mean(x, 1, true));
  const variance = tf.mean(tf.square(centred), 1, true);
  return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, LN_EPS))), gain), bias);
}

/**
 * tanh GELU, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), with its derivative written out
 * (one expression rather than the chain through pow, tanh and three muls).
 */
export const gelu = tf.customGrad(((x: tf.Tensor2D, save: tf.GradSaveFunc) => {
  const x2 = tf.square(x);
  const t = tf.tanh(tf.mul(tf.mul(x, tf.add(1, tf.mul(x2, GELU_A))), GELU_C));
  save([x, t]);
  return {
    value: tf.mul(tf.mul(x, 0.5), tf.add(1, t)),
    gradFunc: (dy: tf.Tensor2D, [xs, ts]: tf.Tensor[]) => {
      const inner = tf.mul(tf.add(1, tf.mul(tf.square(xs!), 3 * GELU_A)), GELU_C);
      const d = tf.add(tf.mul(tf.add(1, ts!), 0.5), tf.mul(tf.mul(tf.mul(xs!, 0.5), tf.sub(1, tf.square(ts!))), inner));
      return tf.mul(dy, d);
    },
  };
}) as unknown as GradFn) as (x: tf.Tensor2D) => tf.Tensor2D;

/**
 * A k x k 0/1 matrix (k = perm.length) with a one at `at(i)` for each i: a permutation that a
 * gradient flows through on every backend, where tf.gather's gradient is missing on wasm
 * (docs/design.md, "Model"). E.g. outputs in original order: y = z P with P[q, outPerm[q]] = 1.
 */
export function permutationMatrix(perm: Int32Array, at: (i: number) => [number, number]): tf.Tensor2D {
  const k = perm.length;
  const m = new Float32Array(k * k);
  for (let i = 0; i < k; i++) {
    const [r, c] = at(i);
    m[r * k + c] = 1;
  }
  return tf.tensor2d(m, [k, k]);
}
