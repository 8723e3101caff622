// LayerNorm on one row (src/model/ops/layer-norm.ts): its backward pass against central finite
// differences of the float64 forward pass and against tfjs's autodiff of ops/tfjs.ts's layerNormOf.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { layerNormRow, layerNormRowBackward } from '../../src/model/ops/layer-norm.js';
import { layerNormOf } from '../../src/model/ops/tfjs.js';
import { Rng } from '../../src/util/random.js';

const E = 6;
const rng = new Rng(3);
const draw = (k: number) => Float64Array.from({ length: k }, () => rng.normal());
const x0 = draw(E);
const gain0 = draw(E);
const bias0 = draw(E);
const r = draw(E); // loss = sum(y r), so every output weighs differently

/** sum(LN(x) r) in float64. Buffer layout: x at 0, y at E, xhat at 2E. */
function loss(x: Float64Array, gain: Float64Array, bias: Float64Array): number {
  const mem = new Float64Array(3 * E);
  mem.set(x, 0);
  layerNormRow(mem, 0, E, 2 * E, E, gain, bias);
  return r.reduce((s, v, c) => s + v * mem[E + c]!, 0);
}

/** The op's gradients of sum(LN(x) r): [dx, dgain, dbias]. */
function backward(): [Float64Array, Float64Array, Float64Array] {
  // x at 0, y at E, xhat at 2E, dy at 3E, dx at 4E.
  const mem = new Float64Array(5 * E);
  mem.set(x0, 0);
  const rstd = layerNormRow(mem, 0, E, 2 * E, E, gain0, bias0);
  mem.set(r, 3 * E);
  const gG = new Float64Array(E);
  const gB = new Float64Array(E);
  layerNormRowBackward(mem, 3 * E, 2 * E, 4 * E, E, gain0, rstd, gG, gB);
  return [mem.slice(4 * E), gG, gB];
}

/** Central differences of `loss` with respect to each argument. */
function finiteDifferences(): Float64Array[] {
  const args = [x0, gain0, bias0];
  return args.map((a, which) =>
    Float64Array.from(a, (_, i) => {
      const h = 1e-6;
      const at = (d: number) => {
        const moved = args.map((b, j) => (j === which ? Float64Array.from(b, (v, k) => (k === i ? v + d : v)) : b));
        return loss(moved[0]!, moved[1]!, moved[2]!);
      };
      return (at(h) - at(-h)) / (2 * h);
    }),
  );
}

describe('layerNormRow', () => {
  it('normalises: mean 0, variance 1 / (1 + eps var^-1) before gain and bias', () => {
    const mem = new Float64Array(3 * E);
    mem.set(x0, 0);
    layerNormRow(mem, 0, E, 2 * E, E, new Float64Array(E).fill(1), new Float64Array(E));
    const y = mem.subarray(E, 2 * E);
    expect(Math.abs(y.reduce((s, v) => s + v, 0))).toBeLessThan(1e-12);
    expect(y.reduce((s, v) => s + v * v, 0) / E).toBeCloseTo(1, 4);
  });

  it('backward matches finite differences', () => {
    const mine = backward();
    finiteDifferences().forEach((want, i) => want.forEach((w, k) => expect(Math.abs(mine[i]![k]! - w)).toBeLessThan(1e-7)));
  });

  it('backward matches tfjs autodiff of layerNormOf', () => {
    const mine = backward();
    const theirs = tf.tidy(() =>
      tf
        .grads((x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(layerNormOf(x as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D), tf.tensor2d(Array.from(r), [1, E]))),
        )([tf.tensor2d(Array.from(x0), [1, E]), tf.tensor1d(Array.from(gain0)), tf.tensor1d(Array.from(bias0))])
        .map((t) => t.dataSync()),
    );
    theirs.forEach((want, i) => want.forEach((w, k) => expect(Math.abs(mine[i]![k]! - w)).toBeLessThan(1e-5)));
  });
});
