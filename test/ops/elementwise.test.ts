// The activations on rows (src/model/ops/elementwise.ts): the forward passes are the scalar
// formulas of ops/activations.ts bit for bit (the golden runs hold HostMlp's and HostTransformer's
// roundings), and each backward pass matches central finite differences of its forward pass and
// tfjs's autodiff of ops/tfjs.ts's silu and gelu, on a row of a buffer read at offsets.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { geluSigmoid, sigmoid, siluOf } from '../../src/model/ops/activations.js';
import { geluBackward, geluForward, siluBackward, siluForward } from '../../src/model/ops/elementwise.js';
import { gelu, silu } from '../../src/model/ops/tfjs.js';
import { Rng } from '../../src/util/random.js';

const C = 9;
const rng = new Rng(5);
const draw = (k: number, scale = 1) => Float64Array.from({ length: k }, () => scale * rng.normal());
const x0 = draw(C, 3); // wide enough to reach both tails
const bias0 = draw(C);
const r = draw(C); // loss = sum(y r), so every output weighs differently

/** Both ops under one interface: x [C] -> y [C] (SiLU of x + bias when given), and the backward pass of sum(y r). */
interface RowOp {
  readonly forward: (x: Float64Array) => Float64Array;
  readonly backward: (x: Float64Array) => Float64Array;
}

// Buffer layout: 3 unused floats (offsets are not 0), x at 3, y at 3 + C, d at 3 + 2C; sigmoids in
// their own array, from offset 2.
const X = 3;
const Y = X + C;
const D = Y + C;

function siluOp(bias?: Float64Array): RowOp {
  const run = (x: Float64Array) => {
    const mem = new Float64Array(D + C);
    const sig = new Float64Array(2 + C);
    mem.set(x, X);
    siluForward(mem, X, Y, C, sig, 2, bias);
    return { mem, sig };
  };
  return {
    forward: (x) => run(x).mem.slice(Y, Y + C),
    backward: (x) => {
      const { mem, sig } = run(x);
      mem.set(r, D);
      siluBackward(mem, D, C, Y, sig, 2);
      return mem.slice(D, D + C);
    },
  };
}

const geluOp: RowOp = (() => {
  const run = (x: Float64Array) => {
    const mem = new Float64Array(D + C);
    const sig = new Float64Array(2 + C);
    mem.set(x, X);
    geluForward(mem, X, Y, C, sig, 2);
    return { mem, sig };
  };
  return {
    forward: (x) => run(x).mem.slice(Y, Y + C),
    backward: (x) => {
      const { mem, sig } = run(x);
      mem.set(r, D);
      geluBackward(mem, D, C, X, sig, 2);
      return mem.slice(D, D + C);
    },
  };
})();

/** Central differences of sum(forward(x) r) with respect to x. */
function finiteDifferences(op: RowOp, x: Float64Array): Float64Array {
  const loss = (v: Float64Array) => op.forward(v).reduce((s, y, c) => s + y * r[c]!, 0);
  return Float64Array.from(x, (_, i) => {
    const h = 1e-6;
    const at = (d: number) => loss(Float64Array.from(x, (v, k) => (k === i ? v + d : v)));
    return (at(h) - at(-h)) / (2 * h);
  });
}

/** tfjs's gradient of sum(f(x) r) with respect to x [1, C]. */
function tfGrad(f: (x: tf.Tensor2D) => tf.Tensor2D, x: Float64Array): Float32Array {
  return tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(f(v as tf.Tensor2D), tf.tensor2d(Array.from(r), [1, C]))))(tf.tensor2d(Array.from(x), [1, C])).dataSync() as Float32Array);
}

describe('siluForward and siluBackward', () => {
  const pre = x0.map((v, c) => v + bias0[c]!);

  it('compute x sigmoid(x) of x + bias exactly as the scalar formula, in place too, saving the sigmoid', () => {
    const mem = new Float64Array(D + C);
    const sig = new Float64Array(2 + C);
    mem.set(x0, X);
    siluForward(mem, X, X, C, sig, 2, bias0);
    for (let c = 0; c < C; c++) {
      expect(sig[2 + c]).toBe(sigmoid(pre[c]!));
      expect(mem[X + c]).toBe(siluOf(pre[c]!, sigmoid(pre[c]!)));
    }
    expect(siluOp().forward(pre)).toEqual(mem.slice(X, X + C));
  });

  it('backward matches finite differences, with and without a bias', () => {
    for (const [op, x] of [[siluOp(), pre], [siluOp(bias0), x0]] as const) {
      const mine = op.backward(x);
      finiteDifferences(op, x).forEach((want, c) => expect(Math.abs(mine[c]! - want)).toBeLessThan(1e-7));
    }
  });

  it('backward matches tfjs autodiff of ops/tfjs.ts silu', () => {
    const mine = siluOp().backward(pre);
    tfGrad(silu, pre).forEach((want, c) => expect(Math.abs(mine[c]! - want)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want))));
  });
});

describe('geluForward and geluBackward', () => {
  it('compute x sigmoid(2 y) exactly as the scalar formula, saving the sigmoid', () => {
    const y = geluOp.forward(x0);
    x0.forEach((v, c) => expect(y[c]).toBe(v * geluSigmoid(v)));
  });

  it('backward matches finite differences', () => {
    const mine = geluOp.backward(x0);
    finiteDifferences(geluOp, x0).forEach((want, c) => expect(Math.abs(mine[c]! - want)).toBeLessThan(1e-7));
  });

  it('backward matches tfjs autodiff of ops/tfjs.ts gelu', () => {
    const mine = geluOp.backward(x0);
    tfGrad(gelu, x0).forEach((want, c) => expect(Math.abs(mine[c]! - want)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want))));
  });
});
