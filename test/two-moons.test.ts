import { describe, expect, it } from 'vitest';
import { makeMoons, twoMoons } from '../src/tasks/two-moons.js';
import { Rng } from '../src/util/random.js';

const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
const sd = (a: number[]) => Math.sqrt(mean(a.map((x) => (x - mean(a)) ** 2)));

describe('make_moons', () => {
  it('without noise puts each class exactly on its arc, floor(n/2) on the upper one', () => {
    const s = makeMoons(201, 0, new Rng(3));
    const upper: number[] = [];
    for (let i = 0; i < s.n; i++) {
      const [x, y] = [s.x[2 * i], s.x[2 * i + 1]];
      if (s.y[i] === 0) {
        upper.push(i);
        expect(Math.hypot(x, y)).toBeCloseTo(1, 5); // (cos t, sin t)
        expect(y).toBeGreaterThanOrEqual(-1e-6);
      } else {
        expect(Math.hypot(1 - x, 0.5 - y)).toBeCloseTo(1, 5); // (1 - cos t, 0.5 - sin t)
        expect(y).toBeLessThanOrEqual(0.5 + 1e-6);
      }
    }
    expect(upper.length).toBe(100);
  });

  it('has the class means of evenly spaced arcs and Gaussian noise of the given sd', () => {
    const n = 4000;
    const clean = makeMoons(n, 0, new Rng(9));
    const noisy = makeMoons(n, 0.1, new Rng(9));
    const arcMean = mean(Array.from({ length: n / 2 }, (_, i) => Math.sin((Math.PI * i) / (n / 2 - 1))));
    const coord = (s: typeof clean, cls: number, d: number) =>
      Array.from({ length: n }, (_, i) => i).filter((i) => s.y[i] === cls).map((i) => s.x[2 * i + d]);
    expect(mean(coord(clean, 0, 0))).toBeCloseTo(0, 6);
    expect(mean(coord(clean, 0, 1))).toBeCloseTo(arcMean, 5);
    expect(mean(coord(clean, 1, 0))).toBeCloseTo(1, 6);
    expect(mean(coord(clean, 1, 1))).toBeCloseTo(0.5 - arcMean, 5);
    // Same seed, same shuffle and draws: the difference is the noise alone.
    const noise = Array.from(noisy.x, (v, k) => v - clean.x[k]);
    expect(Math.abs(mean(noise))).toBeLessThan(0.005);
    expect(sd(noise)).toBeGreaterThan(0.095);
    expect(sd(noise)).toBeLessThan(0.105);
  });

  it('is seeded: same seed same data, train and test independent draws', () => {
    const cfg = twoMoons.schema.parse({ kind: 'two-moons' });
    const a = twoMoons.build(cfg, 1);
    const b = twoMoons.build(cfg, 1);
    const c = twoMoons.build(cfg, 2);
    expect(a.train.x).toEqual(b.train.x);
    expect(a.train.x).not.toEqual(c.train.x);
    expect(a.train.x).not.toEqual(a.test.x);
    expect(a.train.n).toBe(200);
    expect(Array.from(a.train.y).filter((y) => y === 1).length).toBe(100);
  });
});
