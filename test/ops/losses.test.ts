// Loss rows (src/model/ops/losses.ts): softmax cross-entropy's value against tfjs's and its
// gradient against central finite differences and tfjs's autodiff.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { softmaxCrossEntropyRow } from '../../src/model/ops/losses.js';
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
