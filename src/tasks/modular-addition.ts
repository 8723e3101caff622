/**
 * Modular addition (docs/DESIGN.md, "Modular addition", paper section 3.3, Figure 5): every pair (a, b)
 * of residues mod p, labelled (a + b) mod p, split at random into train and test. The network
 * sees the pair through one embedding shared by both operands (in_fold 2, see
 * src/config/architecture.ts), so the input labels name embedding dimensions, not features.
 */
import { z } from 'zod';
import { ConfigValueError } from '../errors.js';
import { Rng } from '../util/random.js';
import type { Split, TaskDefinition } from './task.js';

const schema = z.strictObject({
  kind: z.literal('modular-addition'),
  /** The modulus: residues 0..p-1 are both the tokens and the classes. */
  p: z.number().int().min(2).max(4096).default(59),
  /** Share of the p^2 pairs used for training; the rest is the test set. */
  train_fraction: z.number().gt(0).lt(1).default(0.8),
  /** Values per token embedding; must equal model.widths[0] / model.in_fold. */
  embedding_dim: z.number().int().positive().default(32),
  /** Seed of the split; defaults to the config's top-level seed. */
  seed: z.number().int().nonnegative().optional(),
});
export type ModularAdditionConfig = z.infer<typeof schema>;

export interface ModularSplit {
  readonly train: Split;
  readonly test: Split;
}

/**
 * All p^2 pairs in a seeded random order; the first floor(fraction * p^2) train, the rest test.
 * Floor, as the notebook's int(0.8 * p^2): 2784 of 3481 pairs for p = 59 (docs/DESIGN.md, "Experiments" table).
 * x is Int32Array [n, 2] of (a, b), y the residue (a + b) mod p.
 */
export function makeModularAddition(p: number, trainFraction: number, rng: Rng): ModularSplit {
  const total = p * p;
  // The small epsilon keeps fractions like 0.29 * 100 = 28.999999999999996 from losing a pair.
  const nTrain = Math.floor(trainFraction * total + 1e-9);
  if (nTrain < 1 || nTrain >= total) {
    throw new ConfigValueError(['task', 'train_fraction'], `${trainFraction} leaves an empty train or test set for p = ${p} (${total} pairs)`);
  }
  const order = rng.shuffle(Int32Array.from({ length: total }, (_, k) => k));
  const take = (from: number, to: number): Split => {
    const n = to - from;
    const x = new Int32Array(n * 2);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const k = order[from + i];
      const a = Math.floor(k / p);
      const b = k % p;
      x[2 * i] = a;
      x[2 * i + 1] = b;
      y[i] = (a + b) % p;
    }
    return { n, x, y };
  };
  return { train: take(0, nTrain), test: take(nTrain, total) };
}

export const modularAddition: TaskDefinition<typeof schema> = {
  kind: 'modular-addition',
  schema,
  build(config, seed) {
    const s = config.seed ?? seed;
    const { train, test } = makeModularAddition(config.p, config.train_fraction, new Rng(s, 'modular-addition/split'));
    return {
      inputs: { kind: 'tokens', count: 2, vocab: config.p },
      targets: { kind: 'classes', count: config.p },
      train,
      test,
      // One label per embedding dimension; the graph adds which fold (operand) a position is in.
      inputLabels: Array.from({ length: config.embedding_dim }, (_, d) => `e${d}`),
      outputLabels: Array.from({ length: config.p }, (_, r) => String(r)),
    };
  },
};
