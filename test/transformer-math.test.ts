// The BioTransformer's host arithmetic (HostTransformer) against its tfjs forward pass and tfjs's
// autodiff, and against finite differences of its own float64 loss; causality and permutations.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { gemmMemory, pad4, stridedGemmJs } from '../src/model/simd-gemm.js';
import { gradsForShape, HostTransformer, type ScoredEntry, type TransformerSplit } from '../src/model/transformer-host.js';
import { transformerTensorShapes } from '../src/model/transformer-shape.js';
import type { TransformerArchitecture } from '../src/model/model-graph.js';
import { transformerForward } from '../src/model/transformer-tfjs.js';
import { Rng } from '../src/util/random.js';
import { relDiff } from './helpers.js';

const base: TransformerArchitecture = { kind: 'transformer', inDim: 3, outDim: 2, embed: 8, blocks: 2, heads: 1, mlpHidden: 12, seqLen: 3, layerNorm: false };
const scored: ScoredEntry[] = [[0, 0], [2, 0], [1, 1]];

/** Weights uniform in [-0.6, 0.6]; LayerNorm gains around 1 (so a wrong gain shows). */
function randomParams(shape: TransformerArchitecture, seed: number): Map<string, Float32Array> {
  const rng = new Rng(seed, 'transformer-params');
  return new Map(
    transformerTensorShapes(shape).map(([name, dims]) => {
      const n = dims.reduce((a, b) => a * b, 1);
      const gain = /ln_.*weight/.test(name);
      return [name, Float32Array.from({ length: n }, () => (gain ? 1 + rng.range(-0.3, 0.3) : rng.range(-0.6, 0.6)))];
    }),
  );
}

function randomPerm(n: number, rng: Rng): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

function randomSplit(shape: TransformerArchitecture, n: number, seed: number): TransformerSplit {
  const rng = new Rng(seed, 'transformer-data');
  const { seqLen: T, inDim, outDim } = shape;
  return {
    n,
    x: Float32Array.from({ length: n * T * inDim }, () => rng.range(-1, 1)),
    y: Float32Array.from({ length: n * T * outDim }, () => rng.range(-1, 1)),
  };
}

function rowsOf(split: TransformerSplit, shape: TransformerArchitecture, rows: Int32Array): TransformerSplit {
  const { seqLen: T, inDim, outDim } = shape;
  const x = new Float32Array(rows.length * T * inDim);
  const y = new Float32Array(rows.length * T * outDim);
  rows.forEach((r, i) => {
    x.set(split.x.subarray(r * T * inDim, (r + 1) * T * inDim), i * T * inDim);
    y.set(split.y.subarray(r * T * outDim, (r + 1) * T * outDim), i * T * outDim);
  });
  return { n: rows.length, x, y };
}

/** tfjs's outputs [n, T * outDim], the loss over the scored entries `sc`, and every tensor's gradient (undefined where unused). */
function tfjsRun(shape: TransformerArchitecture, params: Map<string, Float32Array>, inPerm: Int32Array, outPerm: Int32Array, split: TransformerSplit, sc: readonly ScoredEntry[] = scored) {
  const { seqLen: T, inDim, outDim } = shape;
  const vars = new Map(transformerTensorShapes(shape).map(([name, dims]) => [name, tf.variable(tf.tensor(params.get(name)!, dims))]));
  const x = tf.tensor2d(split.x, [split.n, T * inDim]);
  const y = tf.tensor2d(split.y, [split.n, T * outDim]);
  const weight = new Float32Array(T * outDim);
  for (const [t, c] of sc) weight[t * outDim + c] += 1;
  const w = tf.tensor1d(weight);
  const out = transformerForward(vars, shape, inPerm, outPerm, x);
  const outputs = out.dataSync() as Float32Array;
  const { value, grads } = tf.variableGrads(
    () => tf.div(tf.sum(tf.mul(tf.square(tf.sub(transformerForward(vars, shape, inPerm, outPerm, x), y)), w)), split.n * sc.length) as tf.Scalar,
    [...vars.values()],
  );
  const g = new Map([...vars].map(([name, v]) => [name, grads[v.name] ? (grads[v.name].dataSync() as Float32Array) : undefined]));
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads), ...vars.values(), x, y, w, out]);
  return { outputs, loss, grads: g };
}

/** The in-context task's loss terms: the last block skips position 1 (HostTransformer's `forward`, trim). */
const inContext: ScoredEntry[] = [[0, 0], [2, 0]];

const variants: [string, TransformerArchitecture, ScoredEntry[]][] = [
  ['LayerNorm off, 1 head', base, scored],
  ['LayerNorm on, 1 head', { ...base, layerNorm: true }, scored],
  ['LayerNorm off, 2 heads', { ...base, heads: 2 }, scored],
  ['LayerNorm on, 2 heads, one block, 1 output', { ...base, heads: 2, layerNorm: true, blocks: 1, outDim: 1, embed: 6 }, [[0, 0], [2, 0]]],
  ['LayerNorm off, 1 head, in-context loss terms', base, inContext],
  ['LayerNorm on, 2 heads, in-context loss terms', { ...base, heads: 2, layerNorm: true }, inContext],
  ['LayerNorm on, 1 head, position 1 only, 3 blocks', { ...base, layerNorm: true, blocks: 3 }, [[1, 1], [1, 0]]],
];

describe('HostTransformer', () => {
  for (const [label, shape, sc] of variants) {
    it(`${label}: outputs, loss and every gradient match tfjs's (rows subset, random permutations)`, () => {
      const rng = new Rng(5, label);
      const params = randomParams(shape, 1);
      const inPerm = randomPerm(shape.inDim, rng);
      const outPerm = randomPerm(shape.outDim, rng);
      const split = randomSplit(shape, 13, 2);
      const rows = Int32Array.from([4, 0, 12, 12, 7, 3]);
      const host = new HostTransformer(shape, sc, 8);
      const grads = gradsForShape(shape);
      const { loss, perScored } = host.run(params, inPerm, outPerm, split, rows, grads);
      const sub = rowsOf(split, shape, rows);
      const want = tfjsRun(shape, params, inPerm, outPerm, sub, sc);
      expect(relDiff(host.predict(params, inPerm, outPerm, split, rows), want.outputs)).toBeLessThan(1e-5);
      expect(Math.abs(loss - want.loss) / want.loss).toBeLessThan(1e-5);
      expect(perScored.reduce((a, b) => a + b, 0) / sc.length).toBeCloseTo(loss, 12);
      for (const [name] of transformerTensorShapes(shape)) {
        const g = grads.get(name)!;
        const w = want.grads.get(name);
        if (!shape.layerNorm && /ln_/.test(name)) {
          expect(w === undefined || w.every((v) => v === 0), name).toBe(true);
          expect(g.every((v) => v === 0), name).toBe(true);
          continue;
        }
        expect(relDiff(g, w!), name).toBeLessThan(1e-4);
      }
    });
  }

  for (const [label, sc] of [['all positions', scored], ['in-context loss terms', inContext]] as const) {
    it(`gradients match central finite differences of the float64 loss (${label})`, () => {
      const shape: TransformerArchitecture = { ...base, layerNorm: true, heads: 2 };
      const rng = new Rng(9, 'fd');
      const params = randomParams(shape, 3);
      const inPerm = randomPerm(shape.inDim, rng);
      const outPerm = randomPerm(shape.outDim, rng);
      const split = randomSplit(shape, 5, 4);
      const host = new HostTransformer(shape, sc, 5);
      const grads = gradsForShape(shape);
      host.run(params, inPerm, outPerm, split, undefined, grads);
      for (const [name, dims] of transformerTensorShapes(shape)) {
        const p = params.get(name)!;
        const g = grads.get(name)!;
        for (const i of [0, Math.floor(p.length / 2), dims.reduce((a, b) => a * b, 1) - 1]) {
          const orig = p[i];
          p[i] = orig + 1e-3;
          const up = p[i];
          const lUp = host.run(params, inPerm, outPerm, split, undefined).loss;
          p[i] = orig - 1e-3;
          const down = p[i];
          const lDown = host.run(params, inPerm, outPerm, split, undefined).loss;
          p[i] = orig;
          const fd = (lUp - lDown) / (up - down);
          expect(Math.abs(fd - g[i]), `${name}[${i}]: fd ${fd}, grad ${g[i]}`).toBeLessThan(1e-5 + 1e-4 * Math.abs(g[i]));
        }
      }
    });
  }

  it('transformerForward takes x as [n, T * inDim] or [n, T, inDim], and vars flat or shaped', () => {
    const params = randomParams(base, 11);
    const split = randomSplit(base, 4, 12);
    const { seqLen: T, inDim, outDim } = base;
    const perm = (k: number) => Int32Array.from({ length: k }, (_, i) => k - 1 - i);
    const shaped = new Map(transformerTensorShapes(base).map(([name, dims]) => [name, tf.tensor(params.get(name)!, dims)]));
    const flat = new Map([...params].map(([name, v]) => [name, tf.tensor1d(v)]));
    const x2 = tf.tensor2d(split.x, [4, T * inDim]);
    const x3 = tf.tensor3d(split.x, [4, T, inDim]);
    const a = transformerForward(shaped, base, perm(inDim), perm(outDim), x2);
    const b = transformerForward(flat, base, perm(inDim), perm(outDim), x3);
    expect(a.shape).toEqual([4, T * outDim]);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([a, b, x2, x3, ...shaped.values(), ...flat.values()]);
  });

  it('is causal: changing the last position leaves earlier outputs unchanged (host and tfjs)', () => {
    const shape = { ...base, heads: 2, layerNorm: true };
    const { seqLen: T, inDim, outDim } = shape;
    const params = randomParams(shape, 4);
    const rng = new Rng(1, 'causal');
    const inPerm = randomPerm(inDim, rng);
    const outPerm = randomPerm(outDim, rng);
    const a = randomSplit(shape, 6, 5);
    const x = a.x.slice();
    for (let r = 0; r < a.n; r++) for (let j = 0; j < inDim; j++) x[(r * T + T - 1) * inDim + j] += 0.7;
    const b = { ...a, x };
    const host = new HostTransformer(shape, scored, 6);
    const ya = host.predict(params, inPerm, outPerm, a);
    const yb = host.predict(params, inPerm, outPerm, b);
    const ta = tfjsRun(shape, params, inPerm, outPerm, a).outputs;
    const tb = tfjsRun(shape, params, inPerm, outPerm, b).outputs;
    let lastChanged = 0;
    for (let r = 0; r < a.n; r++) {
      for (let t = 0; t < T; t++) {
        for (let c = 0; c < outDim; c++) {
          const i = (r * T + t) * outDim + c;
          if (t < T - 1) {
            expect(yb[i]).toBe(ya[i]);
            expect(tb[i]).toBe(ta[i]);
          } else lastChanged += Math.abs(yb[i] - ya[i]);
        }
      }
    }
    expect(lastChanged).toBeGreaterThan(0);
  });

  it('permutations: inPerm equals permuting x\'s features, outPerm only relabels outputs', () => {
    const shape = { ...base, inDim: 4, outDim: 3 };
    const { seqLen: T, inDim, outDim } = shape;
    const params = randomParams(shape, 6);
    const rng = new Rng(2, 'perm');
    const inPerm = randomPerm(inDim, rng);
    const outPerm = randomPerm(outDim, rng);
    const id = (k: number) => Int32Array.from({ length: k }, (_, i) => i);
    const split = randomSplit(shape, 7, 8);
    const permuted = split.x.slice();
    for (let tok = 0; tok < split.n * T; tok++) for (let j = 0; j < inDim; j++) permuted[tok * inDim + j] = split.x[tok * inDim + inPerm[j]];
    const host = new HostTransformer(shape, scored, 7);
    const want = host.predict(params, id(inDim), id(outDim), { ...split, x: permuted });
    expect(Array.from(host.predict(params, inPerm, id(outDim), split))).toEqual(Array.from(want));
    // With outPerm, position q's output is reported as original output outPerm[q].
    const relabelled = host.predict(params, inPerm, outPerm, split);
    for (let tok = 0; tok < split.n * T; tok++) for (let q = 0; q < outDim; q++) expect(relabelled[tok * outDim + outPerm[q]]).toBe(want[tok * outDim + q]);
  });

  it('forward-only passes over more sequences than maxRows go in chunks with the same result', () => {
    const params = randomParams(base, 7);
    const id = (k: number) => Int32Array.from({ length: k }, (_, i) => i);
    const split = randomSplit(base, 23, 3);
    const big = new HostTransformer(base, inContext, 23).run(params, id(3), id(2), split, undefined);
    const small = new HostTransformer(base, inContext, 5).run(params, id(3), id(2), split, undefined);
    expect(small.loss).toBeCloseTo(big.loss, 12);
    small.perScored.forEach((v, e) => expect(v).toBeCloseTo(big.perScored[e], 12));
    expect(() => new HostTransformer(base, inContext, 4).run(params, id(3), id(2), split, undefined, gradsForShape(base))).toThrow(/23 sequences/);
  });
});

describe('strided gemm', () => {
  it('the WebAssembly SIMD kernel computes what the JavaScript one does: A plain or transposed, residual, bias, in place', () => {
    const { mem, gemm, simd } = gemmMemory(4096);
    expect(simd).toBe(true);
    const rng = new Rng(1, 'gemm');
    const ref = new Float64Array(mem.length);
    const refGemm = stridedGemmJs(ref);
    const [m, n, k] = [7, 6, 5];
    const [a, b, c, res, bias] = [0, 512, 1024, 1536, 2048];
    for (const transposed of [false, true]) {
      for (const residual of ['none', 'separate', 'in place'] as const) {
        const lda = transposed ? pad4(m) : k;
        for (let i = 0; i < 2100; i++) mem[i] = rng.range(-1, 1);
        ref.set(mem);
        const r = residual === 'none' ? 2060 : residual === 'separate' ? res : c; // 2060: a row of bias's tail, with ldr 0
        const args = [a, transposed ? 1 : lda, transposed ? lda : 1, b, pad4(n), c, pad4(n), m, n, k, r, residual === 'none' ? 0 : pad4(n), bias] as const;
        gemm(...args);
        refGemm(...args);
        for (let i = c; i < c + pad4(m) * pad4(n); i++) expect(mem[i]).toBeCloseTo(ref[i], 12);
      }
    }
  });
});
