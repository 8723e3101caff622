// The token embedding on the host (src/model/ops/embedding.ts): its forward pass against the
// definition and the doc comment's example, and its backward pass (a scatter-add, tokens repeated
// within a batch) against central finite differences and against tfjs's autodiff of
// ops/tfjs.ts's embeddedLinear, the lookup and first layer BioModel trains modular addition with.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { embeddingBackward, embeddingForward } from '../../src/model/ops/embedding.js';
import { embeddedLinear, permutationMatrix } from '../../src/model/ops/tfjs.js';
import { Rng } from '../../src/util/random.js';

const [vocab, dim, fold, nOut] = [5, 3, 2, 4];
const rng = new Rng(17);
const draw = (k: number) => Float64Array.from({ length: k }, () => rng.normal());
const E0 = draw(vocab * dim); // [vocab, dim]
const perm = Int32Array.from([2, 0, 1]);
// A split of 6 rows of (a, b); the batch takes 4 of them, row 3 twice: (1, 4), (4, 4), (3, 0),
// (1, 4) read tokens 0 and 3 once, 1 twice, 4 four times and 2 never.
const ids = Int32Array.from([0, 1, 4, 4, 2, 3, 1, 4, 3, 0, 1, 1]);
const rows = Int32Array.from([3, 1, 4, 3]);
const n = rows.length;
const ld = fold * dim + 2; // padded rows, as HostMlp keeps them
const R = draw(n * fold * dim); // loss = sum(h R)

/** h [n, fold * dim] of the batch, unpadded. */
function forward(E: Float64Array): Float64Array {
  const mem = new Float64Array(1 + n * ld);
  embeddingForward(mem, 1, ld, ids, fold, rows, n, E, dim, perm);
  return Float64Array.from({ length: n * fold * dim }, (_, i) => mem[1 + Math.floor(i / (fold * dim)) * ld + (i % (fold * dim))]!);
}

/** The op's gradient of sum(h R) with respect to E. */
function backward(dh: Float64Array = R): Float64Array {
  const mem = new Float64Array(1 + n * ld);
  for (let r = 0; r < n; r++) mem.set(dh.subarray(r * fold * dim, (r + 1) * fold * dim), 1 + r * ld);
  const gE = new Float64Array(vocab * dim);
  embeddingBackward(mem, 1, ld, ids, fold, rows, n, gE, dim, perm);
  return gE;
}

describe('embeddingForward', () => {
  it("is the doc comment's example", () => {
    const mem = new Float64Array(4);
    embeddingForward(mem, 0, 4, [2, 0], 2, undefined, 1, [1, 2, 3, 4, 5, 6], 2, Int32Array.from([1, 0]));
    expect(Array.from(mem)).toEqual([6, 5, 2, 1]);
  });

  it('puts dimension perm[j] of token f of row rows[r] at position f dim + j of row r, leaving the padding', () => {
    const mem = new Float64Array(1 + n * ld);
    embeddingForward(mem, 1, ld, ids, fold, rows, n, E0, dim, perm);
    for (let r = 0; r < n; r++) {
      for (let f = 0; f < fold; f++) {
        for (let j = 0; j < dim; j++) expect(mem[1 + r * ld + f * dim + j]).toBe(E0[ids[rows[r]! * fold + f]! * dim + perm[j]!]);
      }
      expect(mem[1 + r * ld + fold * dim]).toBe(0);
    }
  });

  it('refuses a token outside the table', () => {
    const mem = new Float64Array(8);
    expect(() => embeddingForward(mem, 0, 4, [0, 5], 2, undefined, 1, E0, dim, perm)).toThrow(/token 5 at row 0, fold 1: the table has 5 rows/);
    expect(() => embeddingBackward(mem, 0, 4, [1.5, 0], 2, undefined, 1, new Float64Array(vocab * dim), dim, perm)).toThrow(RangeError);
  });
});

describe('embeddingBackward', () => {
  it('matches finite differences, repeated tokens adding up', () => {
    const mine = backward();
    const loss = (E: Float64Array) => forward(E).reduce((s, v, i) => s + v * R[i]!, 0);
    E0.forEach((_, i) => {
      const h = 1e-6;
      const at = (d: number) => loss(Float64Array.from(E0, (v, k) => (k === i ? v + d : v)));
      expect(Math.abs(mine[i]! - (at(h) - at(-h)) / (2 * h))).toBeLessThan(1e-8);
    });
    expect(mine.slice(0, dim).every((v) => v !== 0)).toBe(true);
    expect(Array.from(mine.slice(2 * dim, 3 * dim))).toEqual([0, 0, 0]); // token 2: not in the batch
  });

  it('with a linear layer after it, matches tfjs autodiff of embeddedLinear (forward and the embedding gradient)', () => {
    const W0 = draw(fold * dim * nOut); // [fold * dim, nOut]
    const b0 = draw(nOut);
    const S = draw(n * nOut); // loss = sum((h W0 + b0) S)
    // Host: y = h W0 + b0, dh = S W0^T.
    const h = forward(E0);
    const y = Float64Array.from({ length: n * nOut }, (_, i) => {
      const [r, o] = [Math.floor(i / nOut), i % nOut];
      let v = b0[o]!;
      for (let k = 0; k < fold * dim; k++) v += h[r * fold * dim + k]! * W0[k * nOut + o]!;
      return v;
    });
    const dh = Float64Array.from({ length: n * fold * dim }, (_, i) => {
      const [r, k] = [Math.floor(i / (fold * dim)), i % (fold * dim)];
      let v = 0;
      for (let o = 0; o < nOut; o++) v += S[r * nOut + o]! * W0[k * nOut + o]!;
      return v;
    });
    const mine = backward(dh);
    const [theirY, theirGrad] = tf.tidy(() => {
      const tokens = Array.from({ length: fold }, (_, f) => tf.tensor2d(Array.from(rows, (r) => ids[r * fold + f]!), [n, 1], 'int32'));
      const inMatrix = permutationMatrix(perm, (j) => [perm[j]!, j]);
      const w = tf.tensor2d(Array.from(W0), [fold * dim, nOut]);
      const b = tf.tensor1d(Array.from(b0));
      const f = (e: tf.Tensor) => embeddedLinear(tokens, e as tf.Tensor2D, inMatrix, w, b);
      const e = tf.tensor2d(Array.from(E0), [vocab, dim]);
      const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(f(v), tf.tensor2d(Array.from(S), [n, nOut]))))(e);
      return [f(e).dataSync(), g.dataSync()];
    });
    theirY.forEach((want, i) => expect(Math.abs(y[i]! - want)).toBeLessThan(1e-4));
    theirGrad.forEach((want, i) => expect(Math.abs(mine[i]! - want)).toBeLessThan(1e-4));
  });
});
