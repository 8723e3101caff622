// The scalar activations of src/model/ops/activations.ts: each derivative against central finite
// differences (float64) and against tfjs's autodiff of the formula written with tfjs primitives;
// the host's forms against the reference forms; geluExp against Math.exp.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { activationOf, gelu, geluExp, geluGradOf, geluSigmoid, sigmoid, siluDirect, siluGradOf, siluOf } from '../../src/model/ops/activations.js';

/** 201 points over [-8, 8], off the grid so none is exactly 0. */
const xs = Array.from({ length: 201 }, (_, i) => -8 + 0.08 * i + 0.0037);

/** Central difference of f at x, step 1e-6 (error ~1e-10 for these smooth functions). */
function fd(f: (x: number) => number, x: number): number {
  const h = 1e-6;
  return (f(x + h) - f(x - h)) / (2 * h);
}

/** tfjs's gradient of f at every point of xs, float32. */
function tfGrad(f: (x: tf.Tensor) => tf.Tensor): Float32Array {
  return tf.tidy(() => tf.grad(f)(tf.tensor1d(xs)).dataSync() as Float32Array);
}

describe('silu', () => {
  const silu = (x: number) => siluOf(x, sigmoid(x));
  it('x sigmoid(x) and x / (1 + e^-x) agree to rounding', () => {
    for (const x of xs) expect(Math.abs(silu(x) - siluDirect(x))).toBeLessThanOrEqual(4e-16 * Math.max(1, Math.abs(x)));
  });

  it('has the derivative s + h (1 - s): finite differences and tfjs autodiff', () => {
    const mine = xs.map((x) => siluGradOf(sigmoid(x), silu(x)));
    xs.forEach((x, i) => expect(Math.abs(mine[i]! - fd(silu, x))).toBeLessThan(1e-8));
    const theirs = tfGrad((x) => tf.mul(x, tf.sigmoid(x)));
    xs.forEach((_, i) => expect(Math.abs(mine[i]! - theirs[i]!)).toBeLessThan(1e-5));
  });
});

describe('gelu', () => {
  it('the host form x sigmoid(2 y) is the tanh form 0.5 x (1 + tanh(y))', () => {
    for (const x of xs) expect(Math.abs(x * geluSigmoid(x) - gelu(x))).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(x)));
  });

  it('has the derivative geluGradOf: finite differences and tfjs autodiff of the tanh form', () => {
    const mine = xs.map((x) => geluGradOf(x, geluSigmoid(x)));
    xs.forEach((x, i) => expect(Math.abs(mine[i]! - fd(gelu, x))).toBeLessThan(1e-8));
    const theirs = tfGrad((x) =>
      tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3))))))),
    );
    xs.forEach((_, i) => expect(Math.abs(mine[i]! - theirs[i]!)).toBeLessThan(1e-5));
  });
});

describe('geluExp', () => {
  it('is Math.exp to 1e-14 relative over [-80, 80]', () => {
    let worst = 0;
    for (let i = -79999; i <= 79999; i++) {
      const x = i / 1000 + 0.000123;
      worst = Math.max(worst, Math.abs(geluExp(x) - Math.exp(x)) / Math.exp(x));
    }
    expect(worst).toBeLessThan(1e-14);
    expect(geluExp(1)).toBe(Math.E);
  });
});

describe('activationOf', () => {
  it("gives prune each graph activation's formula, within rounding of the host passes' forms", () => {
    for (const x of xs) {
      expect(activationOf('silu')(x)).toBe(siluDirect(x));
      expect(Math.abs(activationOf('silu')(x) - siluOf(x, sigmoid(x)))).toBeLessThanOrEqual(4e-16 * Math.max(1, Math.abs(x)));
      expect(activationOf('gelu')(x)).toBe(gelu(x));
      expect(Math.abs(activationOf('gelu')(x) - x * geluSigmoid(x))).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(x)));
      expect(activationOf('identity')(x)).toBe(x);
      expect(activationOf('attention')(x)).toBe(x);
    }
  });
});
