// The linear layer on the host (src/model/ops/linear.ts): its forward pass against a plain
// float64 loop, and its backward pass (dW, db, dA) against central finite differences of the
// forward pass and against tfjs's autodiff, on rows taken every second row of the buffer with a
// residual, as HostTransformer calls it for one sequence position.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { allocLinear, linearForward, linearInputGrad, linearParamGrads, loadLinear, type HostKernel } from '../../src/model/ops/linear.js';
import { gemmMemory, pad4 } from '../../src/model/simd-gemm.js';
import { Rng } from '../../src/util/random.js';

const [rows, nIn, nOut, step] = [5, 6, 3, 2];
const rng = new Rng(11);
const draw = (k: number) => Float64Array.from({ length: k }, () => rng.normal());
const A0 = draw(rows * nIn); // [rows, nIn]
const W0 = draw(nIn * nOut); // [nIn, nOut]
const b0 = draw(nOut);
const R0 = draw(rows * nOut); // residual
const weights = draw(rows * nOut); // loss = sum(C * weights), so every output weighs differently

/** A memory holding one layer, its rows `step` apart (padded to the kernel's tile). */
function setup() {
  let top = 0;
  const alloc = (floats: number) => {
    const at = top;
    top += floats;
    return at;
  };
  const [ldA, ldC] = [pad4(nIn), pad4(nOut)];
  const buf = (ld: number) => alloc(pad4(rows) * step * ld);
  const zeros = alloc(16);
  const ones = alloc(pad4(rows));
  const l = allocLinear(alloc, nIn, nOut);
  const [a, c, res, dC, dA, dW, db] = [buf(ldA), buf(ldC), buf(ldC), buf(ldC), buf(ldA), alloc(pad4(nIn) * ldC), alloc(4 * ldC)];
  const { mem, gemm } = gemmMemory(top);
  mem.fill(1, ones, ones + pad4(rows));
  const k: HostKernel = { mem, gemm, zeros, ones };
  const put = (at: number, ld: number, x: Float64Array, width: number) => {
    for (let r = 0; r < rows; r++) for (let j = 0; j < width; j++) mem[at + r * step * ld + j] = x[r * width + j]!;
  };
  const get = (at: number, ld: number, width: number) => Float64Array.from({ length: rows * width }, (_, i) => mem[at + Math.floor(i / width) * step * ld + (i % width)]!);
  return { k, l, mem, ldA, ldC, a, c, res, dC, dA, dW, db, put, get };
}

/** C = R + A W + b by the op. */
function forward(A: Float64Array, W: Float64Array, b: Float64Array): Float64Array {
  const s = setup();
  loadLinear(s.mem, s.l, W, b, false);
  s.put(s.a, s.ldA, A, nIn);
  s.put(s.res, s.ldC, R0, nOut);
  linearForward(s.k, s.l, s.a, s.ldA, s.c, s.ldC, rows, step, s.res, s.ldC);
  return s.get(s.c, s.ldC, nOut);
}

const loss = (A: Float64Array, W: Float64Array, b: Float64Array) => forward(A, W, b).reduce((t, v, i) => t + v * weights[i]!, 0);

/** The op's [dA, dW, db] of `loss`. */
function backward(): [Float64Array, Float64Array, Float64Array] {
  const s = setup();
  loadLinear(s.mem, s.l, W0, b0, true);
  s.put(s.a, s.ldA, A0, nIn);
  s.put(s.dC, s.ldC, weights, nOut);
  linearParamGrads(s.k, s.l, s.a, s.ldA, s.dC, s.ldC, rows, s.dW, s.db, step);
  linearInputGrad(s.k, s.l, s.dC, s.ldC, s.dA, s.l.ldT, rows, step);
  const dW = Float64Array.from({ length: nIn * nOut }, (_, i) => s.mem[s.dW + Math.floor(i / nOut) * s.l.ldW + (i % nOut)]!);
  return [s.get(s.dA, s.l.ldT, nIn), dW, s.mem.slice(s.db, s.db + nOut)];
}

describe('linearForward', () => {
  it('is R + A W + b, as a plain float64 loop computes it', () => {
    const got = forward(A0, W0, b0);
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < nOut; o++) {
        let want = R0[r * nOut + o]! + b0[o]!;
        for (let i = 0; i < nIn; i++) want += A0[r * nIn + i]! * W0[i * nOut + o]!;
        expect(got[r * nOut + o]).toBe(want);
      }
    }
  });
});

describe('the linear backward pass', () => {
  const [dA, dW, db] = backward();
  const args = [A0, W0, b0];

  it('matches central finite differences of the forward pass', () => {
    const h = 1e-6;
    [dA, dW, db].forEach((g, which) => {
      g.forEach((v, j) => {
        const at = (d: number) => loss(...(args.map((x, w) => (w === which ? Float64Array.from(x, (y, i) => (i === j ? y + d : y)) : x)) as [Float64Array, Float64Array, Float64Array]));
        expect(Math.abs(v - (at(h) - at(-h)) / (2 * h))).toBeLessThan(1e-7);
      });
    });
  });

  it("matches tfjs's autodiff of sum((R + A W + b) * weights)", () => {
    const theirs = tf.tidy(() => {
      const f = (A: tf.Tensor, W: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.add(tf.add(tf.tensor2d(Array.from(R0), [rows, nOut]), tf.matMul(A as tf.Tensor2D, W as tf.Tensor2D)), b), tf.tensor2d(Array.from(weights), [rows, nOut])));
      return tf.grads(f)([tf.tensor2d(Array.from(A0), [rows, nIn]), tf.tensor2d(Array.from(W0), [nIn, nOut]), tf.tensor1d(Array.from(b0))]).map((t) => t.dataSync());
    });
    [dA, dW, db].forEach((g, w) => g.forEach((v, j) => expect(Math.abs(v - theirs[w]![j]!)).toBeLessThan(1e-4)));
  });

  it('adds to what is there with accumulate: two calls over the same rows give twice the gradients', () => {
    const s = setup();
    loadLinear(s.mem, s.l, W0, b0, true);
    s.put(s.a, s.ldA, A0, nIn);
    s.put(s.dC, s.ldC, weights, nOut);
    for (const acc of [false, true]) {
      linearParamGrads(s.k, s.l, s.a, s.ldA, s.dC, s.ldC, rows, s.dW, s.db, step, acc);
      linearInputGrad(s.k, s.l, s.dC, s.ldC, s.dA, s.l.ldT, rows, step, acc);
    }
    // The second call's sums start from the first's, so twice up to rounding.
    const twice = (got: number, once: number) => expect(Math.abs(got - 2 * once)).toBeLessThan(1e-12 * (1 + Math.abs(once)));
    s.get(s.dA, s.l.ldT, nIn).forEach((v, j) => twice(v, dA[j]!));
    dW.forEach((v, j) => twice(s.mem[s.dW + Math.floor(j / nOut) * s.l.ldW + (j % nOut)]!, v));
    db.forEach((v, j) => twice(s.mem[s.db + j]!, v));
  });
});
