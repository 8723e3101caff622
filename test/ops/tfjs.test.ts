// The hand-written gradients of src/model/ops/tfjs.ts against tfjs's own, to 1e-5 relative.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { absSignGrad, embeddedLinear, gelu, linear, matMul, permutationMatrix, silu, softmaxCrossEntropy } from '../../src/model/ops/tfjs.js';

function expectClose(got: tf.Tensor, want: tf.Tensor) {
  const g = got.dataSync();
  const w = want.dataSync();
  expect(got.shape).toEqual(want.shape);
  const scale = Math.max(...Array.from(w, Math.abs));
  for (let i = 0; i < w.length; i++) expect(Math.abs(g[i] - w[i])).toBeLessThanOrEqual(1e-5 * scale);
}

/** ||got - want|| <= 1e-5 ||want||. */
function expectNormClose(got: tf.Tensor, want: tf.Tensor) {
  expect(got.shape).toEqual(want.shape);
  const err = tf.tidy(() => tf.norm(tf.sub(got, want)).dataSync()[0]!);
  const scale = tf.tidy(() => tf.norm(want).dataSync()[0]!);
  expect(scale).toBeGreaterThan(0);
  expect(err).toBeLessThanOrEqual(1e-5 * scale);
}

/** Gradients of sum(f(...) * r) for a fixed random r, so every output element weighs differently. */
function grads(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[]): tf.Tensor[] {
  return tf.tidy(() => {
    const r = tf.randomUniform(f(...xs).shape, -1, 1, 'float32', 7);
    return tf.grads((...ys: tf.Tensor[]) => tf.sum(tf.mul(f(...ys), r)))(xs);
  });
}

describe('hand-written gradients', () => {
  const a = tf.randomNormal([7, 5], 0, 1, 'float32', 1) as tf.Tensor2D;
  const b = tf.randomNormal([5, 4], 0, 1, 'float32', 2) as tf.Tensor2D;
  const bias = tf.randomNormal([4], 0, 1, 'float32', 3) as tf.Tensor1D;

  it('matMul and linear match tf.matMul', () => {
    grads((x, y) => matMul(x as tf.Tensor2D, y as tf.Tensor2D), [a, b]).forEach((g, i) =>
      expectClose(g, grads((x, y) => tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D), [a, b])[i]!),
    );
    const mine = grads((x, w, c) => linear(x as tf.Tensor2D, w as tf.Tensor2D, c as tf.Tensor1D), [a, b, bias]);
    const theirs = grads((x, w, c) => tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), c), [a, b, bias]);
    mine.forEach((g, i) => expectClose(g, theirs[i]!));
  });

  it('embeddedLinear matches the unfolded lookup, concatenation and layer, gradients included', () => {
    // 2 folds of dimension 3, vocab 5, 4 outputs; 12 rows so tokens repeat within a fold.
    const [vocab, dim, out, n] = [5, 3, 4, 12];
    const perm = [2, 0, 1]; // position j reads embedding dimension perm[j]
    const P = tf.tensor2d(Array.from({ length: dim * dim }, (_, k) => (perm[k % dim] === Math.floor(k / dim) ? 1 : 0)), [dim, dim]);
    const tokens = tf.tensor2d(Array.from({ length: 2 * n }, (_, k) => (k * 7 + (k >> 3)) % vocab), [n, 2], 'int32');
    const ids = tf.split(tokens, 2, 1) as tf.Tensor2D[];
    const params = [
      tf.randomNormal([vocab, dim], 0, 1, 'float32', 11),
      tf.randomNormal([2 * dim, out], 0, 1, 'float32', 12),
      tf.randomNormal([out], 0, 1, 'float32', 13),
    ];
    const mine = (e: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
      embeddedLinear(ids, e as tf.Tensor2D, P, w as tf.Tensor2D, b as tf.Tensor1D);
    // What it replaces: each fold's one-hot rows times E P, folds side by side, then x W0 + b0,
    // all differentiated by tfjs (matMul rather than tf.gather, whose gradient wasm lacks).
    const theirs = (e: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => {
      const permuted = tf.matMul(e as tf.Tensor2D, P);
      const folds = ids.map((t) => tf.matMul(tf.oneHot(tf.reshape(t, [-1]) as tf.Tensor1D, vocab).toFloat(), permuted));
      return tf.add(tf.matMul(tf.concat(folds, 1), w as tf.Tensor2D), b);
    };
    expectNormClose(mine(...(params as [tf.Tensor, tf.Tensor, tf.Tensor])), theirs(...(params as [tf.Tensor, tf.Tensor, tf.Tensor])));
    const g = grads((e, w, b) => mine(e!, w!, b!), params);
    const want = grads((e, w, b) => theirs(e!, w!, b!), params);
    want.forEach((w, i) => expectNormClose(g[i]!, w));
  });

  it('gelu matches the tanh form written with tfjs primitives, gradient included', () => {
    const x = tf.randomNormal([6, 9], 0, 2, 'float32', 8);
    const tanhForm = (y: tf.Tensor) =>
      tf.mul(tf.mul(y, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(y, tf.mul(0.044715, tf.pow(y, 3)))))));
    expectClose(gelu(x as tf.Tensor2D), tanhForm(x));
    expectClose(grads((y) => gelu(y as tf.Tensor2D), [x])[0]!, grads(tanhForm, [x])[0]!);
  });

  it('permutationMatrix puts a one at each at(i)', () => {
    const perm = Int32Array.from([2, 0, 1]);
    const x = tf.tensor2d([[10, 11, 12]]);
    // Position j reads feature perm[j]: x P with P[perm[j], j] = 1.
    expect(Array.from(tf.matMul(x, permutationMatrix(perm, (j) => [perm[j]!, j])).dataSync())).toEqual([12, 10, 11]);
  });

  it('silu matches x * sigmoid(x)', () => {
    const x = tf.randomNormal([6, 9], 0, 3, 'float32', 5);
    expectClose(silu(x as tf.Tensor2D), tf.mul(x, tf.sigmoid(x)));
    expectClose(grads((y) => silu(y as tf.Tensor2D), [x])[0]!, grads((y) => tf.mul(y, tf.sigmoid(y)), [x])[0]!);
  });

  it('softmaxCrossEntropy matches tf.losses.softmaxCrossEntropy', () => {
    const z = tf.randomNormal([8, 5], 0, 2, 'float32', 6) as tf.Tensor2D;
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 0, 1, 2], 'int32'), 5).toFloat() as tf.Tensor2D;
    expectClose(softmaxCrossEntropy(y, z), tf.losses.softmaxCrossEntropy(y, z));
    const mine = tf.grad((v: tf.Tensor) => softmaxCrossEntropy(y, v as tf.Tensor2D))(z);
    const theirs = tf.grad((v: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, v as tf.Tensor2D))(z);
    expectClose(mine, theirs);
    // Logits far apart (probabilities that underflow to 0): the loss stays finite and exact.
    const wide = tf.mul(z, 40) as tf.Tensor2D;
    expectClose(softmaxCrossEntropy(y, wide), tf.losses.softmaxCrossEntropy(y, wide));
  });

  it('absSignGrad has gradient sign(x): 0 at exactly 0', () => {
    const x = tf.tensor1d([-2, 0, 3]);
    expect(Array.from(tf.grad((v: tf.Tensor) => tf.sum(absSignGrad(v)))(x).dataSync())).toEqual([-1, 0, 1]);
  });
});
