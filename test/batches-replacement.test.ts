// Mini-batches drawn with replacement (src/train/batches.ts), as the in-context notebook's
// np.random.choice(n, 64, replace=True), and the factory that picks a sampler by kind. Every draw
// comes from the seeded generator, so each bound below is a fixed outcome, chosen loose enough
// that it would hold for any reasonable seed.
import { describe, expect, it } from 'vitest';
import { EpochSampler, makeSampler, ReplacementSampler, type Sampler, type SamplerState } from '../src/train/batches.js';

const take = (s: Sampler, batches: number) => Array.from({ length: batches }, () => Array.from(s.next()));
/** A state as a checkpoint stores it: through JSON (the loop state of a state file). */
const saved = (s: Sampler): SamplerState => JSON.parse(JSON.stringify(s.state())) as SamplerState;

describe('ReplacementSampler', () => {
  it('draws batches of the given size from [0, n), with repeats, even larger than n', () => {
    for (const [n, size] of [[10, 64], [1, 5], [1000, 64]]) {
      for (const batch of take(new ReplacementSampler(n, size, 3), 50)) {
        expect(batch.length).toBe(size);
        for (const i of batch) expect(Number.isInteger(i) && i >= 0 && i < n).toBe(true);
      }
    }
    // 64 rows out of 10 must repeat; and batches of n out of n are not all permutations, as an
    // epoch's would be (all 200 being one has probability (64!/64^64)^200).
    const small = new ReplacementSampler(10, 64, 1).next();
    expect(new Set(small).size).toBeLessThan(small.length);
    const full = take(new ReplacementSampler(64, 64, 1), 200);
    expect(full.filter((b) => new Set(b).size < 64).length).toBeGreaterThan(190);
    const epochs = take(new EpochSampler(64, 64, 1), 200);
    expect(epochs.every((b) => new Set(b).size === 64)).toBe(true);
  });

  it('draws every row about equally often', () => {
    const n = 10;
    const draws = 64 * 1000;
    const counts = new Array<number>(n).fill(0);
    for (const batch of take(new ReplacementSampler(n, 64, 7), draws / 64)) for (const i of batch) counts[i]++;
    const expected = draws / n;
    // Chi-square with 9 degrees of freedom: mean 9, and 60 is beyond its 1e-9 tail.
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(60);
    // Each count within 10% of 6400: more than 8 standard deviations (sd = 76).
    for (const c of counts) expect(Math.abs(c - expected)).toBeLessThan(0.1 * expected);
  });

  it('is the same sequence from the same seed and another from another seed', () => {
    expect(take(new ReplacementSampler(100, 16, 5), 10)).toEqual(take(new ReplacementSampler(100, 16, 5), 10));
    expect(take(new ReplacementSampler(100, 16, 6), 10)).not.toEqual(take(new ReplacementSampler(100, 16, 5), 10));
  });

  it('continues the same sequence from a saved state, as a resumed run must', () => {
    const a = new ReplacementSampler(100, 16, 5);
    take(a, 7);
    const state = saved(a);
    expect(state).toMatchObject({ kind: 'replacement' });
    const b = new ReplacementSampler(100, 16, 5, state);
    expect(take(b, 20)).toEqual(take(a, 20));
    // The state is the whole story: the seed given alongside it does not matter.
    const c = new ReplacementSampler(100, 16, 999, state);
    expect(take(c, 5)).toEqual(take(new ReplacementSampler(100, 16, 5, state), 5));
  });
});

describe('makeSampler', () => {
  it('"epochs" is the EpochSampler the loop has always used, batch for batch and through a state', () => {
    const made = makeSampler('epochs', 50, 8, 2);
    expect(made).toBeInstanceOf(EpochSampler);
    const plain = new EpochSampler(50, 8, 2);
    expect(take(made, 30)).toEqual(take(plain, 30));
    const state = saved(made);
    expect(state).not.toHaveProperty('kind');
    expect(take(makeSampler('epochs', 50, 8, 2, state), 30)).toEqual(take(plain, 30));
  });

  it('"replacement" is a ReplacementSampler and resumes from its state', () => {
    const made = makeSampler('replacement', 50, 8, 2);
    expect(made).toBeInstanceOf(ReplacementSampler);
    expect(take(made, 10)).toEqual(take(new ReplacementSampler(50, 8, 2), 10));
    const state = saved(made);
    expect(take(makeSampler('replacement', 50, 8, 2, state), 10)).toEqual(take(made, 10));
  });

  it('refuses a state saved by the other kind of sampler', () => {
    expect(() => makeSampler('epochs', 50, 8, 2, saved(makeSampler('replacement', 50, 8, 2)))).toThrow(/replacement sampler's/);
    expect(() => makeSampler('replacement', 50, 8, 2, saved(makeSampler('epochs', 50, 8, 2)))).toThrow(/epoch sampler's/);
  });
});
