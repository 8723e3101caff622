import { describe, expect, it } from 'vitest';
import { classSeparation, separatesClaim } from '../src/reproduce/claims.js';
import { permutations, permutationSign } from '../src/tasks/permutation-group.js';
import { Rng } from '../src/util/random.js';

const signs = permutations(4).map(permutationSign);
const V = 24;
const D = 6;

/** A 24 x 6 embedding of Gaussian noise (sd `noise`), with `fill` adding to chosen entries. */
function embedding(noise: number, seed: number, fill: (t: number, d: number) => number = () => 0): Float32Array {
  const rng = new Rng(seed, 'claims-s4');
  return Float32Array.from({ length: V * D }, (_, i) => noise * rng.normal() + fill(Math.floor(i / D), i % D));
}

describe('the S4 sign claim (docs/experiments.md, "Permutation group S4")', () => {
  it('passes when one dimension carries the sign, even among noisy dims', () => {
    const E = embedding(0.2, 1, (t, d) => (d === 2 ? signs[t] : 0));
    expect(classSeparation(E, V, D, [2], signs)).toBeGreaterThan(0.3);
    expect(classSeparation(E, V, D, [0, 1, 2, 3], signs)).toBeGreaterThan(0);
    expect(separatesClaim('c', [{ dims: [0, 1, 2, 3], separation: classSeparation(E, V, D, [0, 1, 2, 3], signs) }], 'r').pass).toBe(true);
  });

  it('passes when the sign is spread over two dims (a projection, not a single axis)', () => {
    const E = embedding(0.05, 2, (t, d) => (d === 0 ? signs[t] : d === 1 ? -signs[t] : 0));
    expect(classSeparation(E, V, D, [0, 1], signs)).toBeGreaterThan(0.5);
  });

  it('fails on random embeddings, and when the sign dim is not among the alive ones', () => {
    for (let seed = 0; seed < 20; seed++) expect(classSeparation(embedding(1, 10 + seed), V, D, [0, 1, 2], signs)).toBeLessThan(0);
    const E = embedding(0.2, 3, (t, d) => (d === 5 ? signs[t] : 0));
    const groups = [{ dims: [0, 1], separation: classSeparation(E, V, D, [0, 1], signs) }];
    const r = separatesClaim('c', groups, 'r');
    expect(r.pass).toBe(false);
    expect(r.measured).toMatch(/^best gap -\d\.\d\d of 1 groups/);
    expect(separatesClaim('c', [], 'r')).toMatchObject({ pass: false, measured: 'no embedding dims alive' });
  });

  it('fails for a function of the sign that no direction reads: a coset code', () => {
    // Two dims whose product is the sign (x = ±1 at random, y = x * sign): the sign is there, but
    // only quadratically, as in the determinant of S4's 2-dimensional representation.
    const rng = new Rng(4, 'xor');
    const x = signs.map(() => (rng.uniform() < 0.5 ? 1 : -1));
    const E = embedding(0, 0, (t, d) => (d === 0 ? x[t] : d === 1 ? x[t] * signs[t] : 0));
    expect(classSeparation(E, V, D, [0, 1], signs)).toBeLessThan(0);
  });
});
