/**
 * Two moons (docs/experiments.md, "Two moons", paper section 3.2): a seeded equivalent of scikit-learn's
 * make_moons. Class 0 is the upper arc (cos t, sin t), class 1 the lower (1 - cos t, 0.5 - sin t),
 * t evenly spaced over [0, pi], Gaussian noise on both coordinates. The test set is a second,
 * independent draw.
 */
import { z } from 'zod';
import { Rng } from '../util/random.js';
import { MAX_SAMPLES, type Split, type TaskDefinition } from './task.js';

const schema = z.strictObject({
  kind: z.literal('two-moons'),
  n_train: z.number().int().min(2).max(MAX_SAMPLES, `at most ${MAX_SAMPLES} samples per split`).default(200),
  n_test: z.number().int().min(2).max(MAX_SAMPLES, `at most ${MAX_SAMPLES} samples per split`).default(200),
  noise: z.number().finite().nonnegative().default(0.1),
  /** Seed of the data; defaults to the config's top-level seed. */
  seed: z.number().int().nonnegative().optional(),
});

/**
 * n points, as make_moons(n, shuffle=True, noise): floor(n/2) on the outer (class 0) arc and the
 * rest on the inner one. x is [n, 2], y the class.
 */
export function makeMoons(n: number, noise: number, rng: Rng): Split {
  const nOuter = Math.floor(n / 2);
  const nInner = n - nOuter;
  const x = new Float32Array(n * 2);
  const y = new Int32Array(n);
  const order = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
  const spaced = (i: number, m: number) => (m === 1 ? 0 : (Math.PI * i) / (m - 1));
  for (let i = 0; i < n; i++) {
    const inner = i >= nOuter;
    const t = inner ? spaced(i - nOuter, nInner) : spaced(i, nOuter);
    const px = inner ? 1 - Math.cos(t) : Math.cos(t);
    const py = inner ? 0.5 - Math.sin(t) : Math.sin(t);
    const row = order[i];
    x[row * 2] = px + noise * rng.normal();
    x[row * 2 + 1] = py + noise * rng.normal();
    y[row] = inner ? 1 : 0;
  }
  return { n, x, y };
}

export const twoMoons: TaskDefinition<typeof schema> = {
  kind: 'two-moons',
  schema,
  build(config, seed) {
    const s = config.seed ?? seed;
    return {
      inputs: { kind: 'features', dim: 2 },
      targets: { kind: 'classes', count: 2 },
      train: makeMoons(config.n_train, config.noise, new Rng(s, 'two-moons/train')),
      test: makeMoons(config.n_test, config.noise, new Rng(s, 'two-moons/test')),
      inputLabels: ['x1', 'x2'],
      outputLabels: ['class 0', 'class 1'],
    };
  },
  // Two features: the plane itself, the network's class over it and the test points on top.
  figures: () => ['decision-boundary'],
};
