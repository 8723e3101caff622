// Causal attention for one query (src/model/ops/attention.ts), over every query of a sequence: the
// forward pass against tfjs's masked softmax attention, and the backward pass against central
// finite differences and tfjs's autodiff.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { causalAttentionQuery, causalAttentionQueryBackward } from '../../src/model/ops/attention.js';
import { Rng } from '../../src/util/random.js';

const [T, hd] = [4, 3];
const W = 3 * hd; // a token's row: [q | k | v]
const rng = new Rng(5);
const qkv0 = Float64Array.from({ length: T * W }, () => rng.normal());
const r = Float64Array.from({ length: T * hd }, () => rng.normal()); // loss = sum(o r)

/** Every query's output [T, hd] (float64), from qkv [T, W] at 0; o at T W. */
function forward(qkv: Float64Array): { mem: Float64Array; p: Float64Array } {
  const mem = new Float64Array(T * W + T * hd);
  mem.set(qkv, 0);
  const p = new Float64Array(T * T);
  for (let t = 0; t < T; t++) causalAttentionQuery(mem, t * W, hd, 2 * hd, W, t, T, hd, p, t * T, T * W + t * hd);
  return { mem, p };
}

const loss = (qkv: Float64Array) => {
  const { mem } = forward(qkv);
  return r.reduce((s, v, i) => s + v * mem[T * W + i]!, 0);
};

/** d loss / d qkv [T, W] by the op's backward pass. */
function backward(): Float64Array {
  const { mem: fwd, p } = forward(qkv0);
  // qkv at 0, dO at T W, d qkv at T W + T hd.
  const mem = new Float64Array(T * W + T * hd + T * W);
  mem.set(fwd.subarray(0, T * W), 0);
  mem.set(r, T * W);
  const g = T * W + T * hd;
  const dp = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    causalAttentionQueryBackward(mem, t * W, hd, 2 * hd, W, t, hd, p, t * T, T * W + t * hd, g + t * W, g + hd, g + 2 * hd, dp);
  }
  return mem.slice(g);
}

/** tfjs: softmax(q k^T / sqrt(hd) + causal mask) v, and sum(o r). */
function tfLoss(qkv: tf.Tensor): tf.Scalar {
  const [q, k, v] = tf.split(tf.reshape(qkv, [T, W]), 3, 1);
  const mask = tf.tensor2d(Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? -1e9 : 0)), [T, T]);
  const o = tf.matMul(tf.softmax(tf.add(tf.mul(tf.matMul(q!, k!, false, true), 1 / Math.sqrt(hd)), mask)), v!);
  return tf.sum(tf.mul(o, tf.tensor2d(Array.from(r), [T, hd])));
}

describe('causalAttentionQuery', () => {
  it('matches tfjs masked attention, and query t reads nothing after t', () => {
    const { mem, p } = forward(qkv0);
    const want = tf.tidy(() => tfLoss(tf.tensor1d(Array.from(qkv0))).dataSync()[0]!);
    expect(Math.abs(r.reduce((s, v, i) => s + v * mem[T * W + i]!, 0) - want)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want)));
    for (let t = 0; t < T; t++) for (let u = t + 1; u < T; u++) expect(p[t * T + u]).toBe(0);
  });

  it('backward matches finite differences', () => {
    const mine = backward();
    const h = 1e-6;
    qkv0.forEach((_, i) => {
      const at = (d: number) => loss(Float64Array.from(qkv0, (v, k) => (k === i ? v + d : v)));
      expect(Math.abs(mine[i]! - (at(h) - at(-h)) / (2 * h))).toBeLessThan(1e-7);
    });
  });

  it('backward matches tfjs autodiff', () => {
    const mine = backward();
    const theirs = tf.tidy(() => tf.grad((x: tf.Tensor) => tfLoss(x))(tf.tensor1d(Array.from(qkv0))).dataSync());
    theirs.forEach((w, i) => expect(Math.abs(mine[i]! - w)).toBeLessThan(1e-5));
  });
});
