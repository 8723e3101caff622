/**
 * Token-pair tasks (docs/experiments.md, "Modular addition" and "Permutation group S4", paper section
 * 3.3): a finite set of n tokens with a binary operation, every pair (a, b) labelled a * b and
 * split at random into train and test. The network sees the pair through one embedding shared by
 * both operands (in_fold 2, see src/config/architecture.ts), so the input labels name embedding
 * dimensions, not features, and the classes are the tokens themselves. A task of this family is
 * its operation table and its config schema; the split, labels and embedding live here.
 */
import { z } from 'zod';
import { ConfigValueError } from '../errors.js';
import { Rng } from '../util/random.js';
import type { Split, TaskInstance } from './task.js';

/** The config keys every token-pair task shares (the task's own keys come beside them). */
export const tokenPairFields = {
  /** Share of the n^2 pairs used for training; the rest is the test set. */
  train_fraction: z.number().gt(0).lt(1).default(0.8),
  /** Values per token embedding; must equal model.widths[0] / model.in_fold. */
  embedding_dim: z.number().int().positive().default(32),
  /** Seed of the split; defaults to the config's top-level seed. */
  seed: z.number().int().nonnegative().optional(),
};

/** A binary operation on tokens 0..n-1: table[a * n + b] is a * b; names[t] how token t is written. */
export interface OperationTable {
  readonly n: number;
  readonly table: Int32Array;
  readonly names: readonly string[];
  /** The set in words, for messages: "p = 59", "S_4". */
  readonly describe: string;
}

export interface TokenPairSplit {
  readonly train: Split;
  readonly test: Split;
}

/**
 * All n^2 pairs in a seeded random order; the first floor(fraction * n^2) train, the rest test.
 * Floor, as the notebooks' int(0.8 * p^2): 2784 of 3481 pairs for p = 59, 460 of 576 for S_4
 * (docs/experiments.md, "The paper's experiments" table). x is Int32Array [n, 2] of (a, b), y the token a * b.
 */
export function makeTokenPairs(op: OperationTable, trainFraction: number, rng: Rng): TokenPairSplit {
  const { n, table } = op;
  const total = n * n;
  // The small epsilon keeps fractions like 0.29 * 100 = 28.999999999999996 from losing a pair.
  const nTrain = Math.floor(trainFraction * total + 1e-9);
  if (nTrain < 1 || nTrain >= total) {
    throw new ConfigValueError(['task', 'train_fraction'], `${trainFraction} leaves an empty train or test set for ${op.describe} (${total} pairs)`);
  }
  const order = rng.shuffle(Int32Array.from({ length: total }, (_, k) => k));
  const take = (from: number, to: number): Split => {
    const m = to - from;
    const x = new Int32Array(m * 2);
    const y = new Int32Array(m);
    for (let i = 0; i < m; i++) {
      const k = order[from + i];
      x[2 * i] = Math.floor(k / n);
      x[2 * i + 1] = k % n;
      y[i] = table[k];
    }
    return { n: m, x, y };
  };
  return { train: take(0, nTrain), test: take(nTrain, total) };
}

/**
 * The task instance of an operation table: its split from `seed` (drawn by the generator stream
 * `stream`, which each task names after itself), tokens in and classes out.
 */
export function tokenPairTask(
  op: OperationTable,
  config: { readonly train_fraction: number; readonly embedding_dim: number },
  seed: number,
  stream: string,
): TaskInstance {
  const { train, test } = makeTokenPairs(op, config.train_fraction, new Rng(seed, stream));
  return {
    inputs: { kind: 'tokens', count: 2, vocab: op.n },
    targets: { kind: 'classes', count: op.n },
    train,
    test,
    // One label per embedding dimension; the graph adds which fold (operand) a position is in.
    inputLabels: Array.from({ length: config.embedding_dim }, (_, d) => `e${d}`),
    outputLabels: [...op.names],
  };
}
