// Loss rows (src/model/ops/losses.ts): softmax cross-entropy, the MSE of values and of one-hot
// rows, and the scored sequence loss, each value against tfjs's and each gradient against central
// finite differences and tfjs's autodiff.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { addScoredSquaredErrors, oneHotSquaredErrorRow, softmaxCrossEntropyRow, squaredErrorRow } from '../../src/model/ops/losses.js';
import { Rng } from '../../src/util/random.js';

const [k, n] = [5, 3]; // one row of 5 logits, gradient scaled for a mean over 3 rows
const rng = new Rng(9);
const z0 = Float64Array.from({ length: k }, () => 2 * rng.normal());
const label = 2;

/** The row's loss at z (mem: z at 0, dz at k). */
function row(z: Float64Array, withGrad: boolean): { loss: number; dz: Float64Array } {
  const mem = new Float64Array(2 * k);
  mem.set(z, 0);
  const loss = softmaxCrossEntropyRow(mem, 0, k, Math.max(...z), label, withGrad ? k : -1, n);
  return { loss, dz: mem.slice(k) };
}

describe('softmaxCrossEntropyRow', () => {
  it('is log-sum-exp minus the label logit, as tfjs computes', () => {
    const want = tf.tidy(() => tf.losses.softmaxCrossEntropy(tf.oneHot([label], k), tf.tensor2d(Array.from(z0), [1, k])).dataSync()[0]!);
    expect(Math.abs(row(z0, false).loss - want)).toBeLessThan(1e-5);
  });

  it('has the gradient (softmax - onehot) / n: finite differences and tfjs autodiff', () => {
    const { dz } = row(z0, true);
    const h = 1e-6;
    z0.forEach((_, q) => {
      const at = (d: number) => row(Float64Array.from(z0, (v, i) => (i === q ? v + d : v)), false).loss / n;
      expect(Math.abs(dz[q]! - (at(h) - at(-h)) / (2 * h))).toBeLessThan(1e-8);
    });
    const theirs = tf.tidy(() =>
      tf.grad((z: tf.Tensor) => tf.div(tf.losses.softmaxCrossEntropy(tf.oneHot([label], k), z as tf.Tensor2D), n))(tf.tensor2d(Array.from(z0), [1, k])).dataSync(),
    );
    theirs.forEach((w, q) => expect(Math.abs(dz[q]! - w)).toBeLessThan(1e-6));
  });

  it('with no label (-1) is the log-sum-exp alone', () => {
    const mem = Float64Array.from(z0);
    const lse = Math.log(z0.reduce((s, v) => s + Math.exp(v), 0));
    expect(softmaxCrossEntropyRow(mem, 0, k, Math.max(...z0), -1, -1, 1)).toBeCloseTo(lse, 12);
  });
});

// The MSE rows: output position q stands for original output perm[q].
const perm = Int32Array.from([3, 0, 4, 1, 2]);
const yRow = Float64Array.from({ length: k }, () => rng.normal());
/** The row's d loss / d z by the op (mem: z at 0, dz at k), and central differences of `value`. */
function gradients(value: (z: Float64Array) => number, op: (mem: Float64Array, dz: number) => void): { ours: Float64Array; fd: number[] } {
  const mem = new Float64Array(2 * k);
  mem.set(z0, 0);
  op(mem, k);
  const h = 1e-6;
  const fd = Array.from(z0, (_, q) => (value(Float64Array.from(z0, (v, i) => (i === q ? v + h : v))) - value(Float64Array.from(z0, (v, i) => (i === q ? v - h : v)))) / (2 * h));
  return { ours: mem.slice(k), fd };
}
/** tfjs's mean squared error over n rows, of which this is one, and its gradient: [value, grad]. */
function tfMse(target: number[]): [number, Float32Array] {
  return tf.tidy(() => {
    const f = (z: tf.Tensor) => tf.div(tf.sum(tf.square(tf.sub(z, tf.tensor1d(target)))), n * k) as tf.Scalar;
    return [f(tf.tensor1d(Array.from(z0))).dataSync()[0]!, tf.grad(f)(tf.tensor1d(Array.from(z0))).dataSync() as Float32Array];
  });
}

describe('squaredErrorRow', () => {
  const target = Array.from(perm, (p) => yRow[p]!); // output position q's target
  const value = (z: Float64Array) => squaredErrorRow(z, 0, k, yRow, 0, perm, 0, undefined, -1, 0) / (n * k);

  it('adds the squared errors to the running total and to each original output', () => {
    const perOutput = new Array<number>(k).fill(0);
    const total = squaredErrorRow(Float64Array.from(z0), 0, k, yRow, 0, perm, 1, perOutput, -1, 0);
    const sq = target.map((t, q) => (z0[q]! - t) ** 2);
    expect(total).toBeCloseTo(1 + sq.reduce((a, b) => a + b, 0), 12);
    perm.forEach((p, q) => expect(perOutput[p]).toBe(sq[q]));
    expect(Math.abs(value(z0) - tfMse(target)[0])).toBeLessThan(1e-6);
  });

  it('has the gradient 2 d / (n k): finite differences and tfjs autodiff', () => {
    const { ours, fd } = gradients(value, (mem, dz) => squaredErrorRow(mem, 0, k, yRow, 0, perm, 0, undefined, dz, 2 / (n * k)));
    fd.forEach((w, q) => expect(Math.abs(ours[q]! - w)).toBeLessThan(1e-8));
    tfMse(target)[1].forEach((w, q) => expect(Math.abs(ours[q]! - w)).toBeLessThan(1e-6));
  });
});

describe('oneHotSquaredErrorRow', () => {
  const target = Array.from(perm, (p) => (p === label ? 1 : 0));
  const value = (z: Float64Array) => oneHotSquaredErrorRow(z, 0, k, label, perm, 0, -1, n * k) / (n * k);

  it("is the squared error against the label's one-hot row, as tfjs computes", () => {
    expect(Math.abs(value(z0) - tfMse(target)[0])).toBeLessThan(1e-6);
  });

  it('has the gradient 2 d / (n k): finite differences and tfjs autodiff', () => {
    const { ours, fd } = gradients(value, (mem, dz) => oneHotSquaredErrorRow(mem, 0, k, label, perm, 0, dz, n * k));
    fd.forEach((w, q) => expect(Math.abs(ours[q]! - w)).toBeLessThan(1e-8));
    tfMse(target)[1].forEach((w, q) => expect(Math.abs(ours[q]! - w)).toBeLessThan(1e-6));
  });
});

describe('addScoredSquaredErrors', () => {
  // A padded, permuted prediction row (columns 0, 3, 3: an entry scored twice) against a dense target row.
  const pCols = Int32Array.from([0, 3, 3]);
  const yCols = Int32Array.from([2, 1, 1]);
  const scale = 0.25;
  const sums = (z: Float64Array) => {
    const s = new Float64Array(3);
    addScoredSquaredErrors(z, 0, pCols, yRow, 0, yCols, s, undefined, -1, 0);
    return s;
  };

  it('adds each scored entry\'s squared error to its sum, and leaves the rest free', () => {
    const s = Float64Array.from([1, 2, 3]);
    addScoredSquaredErrors(z0, 0, pCols, yRow, 0, yCols, s, undefined, -1, 0);
    pCols.forEach((c, e) => expect(s[e]).toBe([1, 2, 3][e]! + (z0[c]! - yRow[yCols[e]!]!) ** 2));
  });

  it('has the gradient scale d per scored entry, added for an entry scored twice: finite differences and tfjs autodiff', () => {
    const value = (z: Float64Array) => (scale / 2) * sums(z).reduce((a, b) => a + b, 0);
    const { ours, fd } = gradients(value, (mem, dz) => addScoredSquaredErrors(mem, 0, pCols, yRow, 0, yCols, new Float64Array(3), mem, dz, scale));
    fd.forEach((w, q) => expect(Math.abs(ours[q]! - w)).toBeLessThan(1e-8));
    const theirs = tf.tidy(() => {
      // The scored entries as z [1, k] times a 0/1 selection [k, 3] (tf.gather's gradient is missing on wasm).
      const pick = tf.tensor2d(Array.from({ length: k * 3 }, (_, i) => (pCols[i % 3] === Math.floor(i / 3) ? 1 : 0)), [k, 3]);
      const f = (z: tf.Tensor) => tf.mul(scale / 2, tf.sum(tf.square(tf.sub(tf.matMul(z as tf.Tensor2D, pick), tf.tensor2d(Array.from(yCols, (c) => yRow[c]!), [1, 3])))));
      return tf.grad(f)(tf.tensor2d(Array.from(z0), [1, k])).dataSync();
    });
    theirs.forEach((w, q) => expect(Math.abs(ours[q]! - w)).toBeLessThan(1e-6));
    expect(ours[1]).toBe(0);
  });
});
