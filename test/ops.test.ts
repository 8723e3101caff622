// The hand-written gradients of src/model/ops.ts against tfjs's own, to 1e-5 relative.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { absSignGrad, constantTimes, linear, matMul, silu, softmaxCrossEntropy } from '../src/model/ops.js';

function expectClose(got: tf.Tensor, want: tf.Tensor) {
  const g = got.dataSync();
  const w = want.dataSync();
  expect(got.shape).toEqual(want.shape);
  const scale = Math.max(...Array.from(w, Math.abs));
  for (let i = 0; i < w.length; i++) expect(Math.abs(g[i] - w[i])).toBeLessThanOrEqual(1e-5 * scale);
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

  it('constantTimes matches tf.matMul for the variable operand', () => {
    const aT = tf.transpose(a); // kept outside the gradient's scope, as the data's one-hots are
    const mine = grads((y) => constantTimes(a, aT)(y as tf.Tensor2D), [tf.randomNormal([5, 3], 0, 1, 'float32', 4)]);
    const theirs = grads((y) => tf.matMul(a, y as tf.Tensor2D), [tf.randomNormal([5, 3], 0, 1, 'float32', 4)]);
    expectClose(mine[0]!, theirs[0]!);
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
  });

  it('absSignGrad has gradient sign(x): 0 at exactly 0', () => {
    const x = tf.tensor1d([-2, 0, 3]);
    expect(Array.from(tf.grad((v: tf.Tensor) => tf.sum(absSignGrad(v)))(x).dataSync())).toEqual([-1, 0, 1]);
  });
});
