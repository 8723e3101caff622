/**
 * In-context linear regression (docs/experiments.md, "In-context regression", paper section 3.4,
 * Figure 7). Each sample is a task of its own: a slope w, two points x0 and x1, and a sequence
 * model that must read w off the first pair to predict w x1.
 *
 * Every token has two channels: channel 0 carries the values y = w x, channel 1 the arguments x,
 * so a token is either (0, x) "here is an x" or (w x, 0) "its y is". With targets the next token
 * (position 2's target is the y the sequence never shows):
 *
 *     position    input      target
 *        0       (0, x0)    (w x0, 0)    scored: channel 0, irreducible (w is not seen yet)
 *        1     (w x0, 0)    (0, x1)      not scored (x1 is random)
 *        2       (0, x1)    (w x1, 0)    scored: channel 0, the in-context prediction
 *
 * The labels name the channels by what they carry, "y" and "x", for inputs and outputs alike:
 * the graph's input nodes are the two channels every position is embedded from, and its output
 * nodes the two channels every position predicts, of which only "y" is ever scored.
 */
import { z } from 'zod';
import { ConfigValueError } from '../errors.js';
import { Rng } from '../util/random.js';
import { MAX_SAMPLES, type ScoredEntry, type Split, type TaskDefinition } from './task.js';

/** Tokens per sequence and channels per token. */
export const IN_CONTEXT_LENGTH = 3;
export const IN_CONTEXT_DIM = 2;

/** The entries the loss counts: y at positions 0 and 2 (position 1's target, x1, is noise). */
export const IN_CONTEXT_SCORED: readonly ScoredEntry[] = [
  { position: 0, channel: 0 },
  { position: 2, channel: 0 },
];

/** Channel names, in channel order (see the file comment). */
export const IN_CONTEXT_LABELS: readonly string[] = ['y', 'x'];

const schema = z.strictObject({
  kind: z.literal('in-context'),
  /** Sequences drawn, train and test together (the notebook's 10000). */
  n: z.number().int().min(2).max(MAX_SAMPLES, `at most ${MAX_SAMPLES} sequences`).default(10000),
  /** Share of the sequences used for training; the rest is the test set. */
  train_fraction: z.number().gt(0).lt(1).default(0.8),
  /** Seed of the data; defaults to the config's top-level seed. */
  seed: z.number().int().nonnegative().optional(),
});
export type InContextConfig = z.infer<typeof schema>;

export interface InContextSplit {
  readonly train: Split;
  readonly test: Split;
}

/**
 * n sequences, each from its own w ~ U[-1, 1] and x0, x1 ~ U[1, 3] (drawn in that order), as in
 * the file comment; the first floor(fraction * n) train, the rest test (the draws are independent,
 * so no shuffle is needed). x and y are Float32Array [n, 3, 2].
 */
export function makeInContext(n: number, trainFraction: number, rng: Rng): InContextSplit {
  // The small epsilon keeps fractions like 0.29 * 100 = 28.999999999999996 from losing a sequence.
  const nTrain = Math.floor(trainFraction * n + 1e-9);
  if (nTrain < 1 || nTrain >= n) {
    throw new ConfigValueError(['task', 'train_fraction'], `${trainFraction} leaves an empty train or test set of ${n} sequences`);
  }
  const size = IN_CONTEXT_LENGTH * IN_CONTEXT_DIM;
  const x = new Float32Array(n * size);
  const y = new Float32Array(n * size);
  for (let i = 0; i < n; i++) {
    const w = rng.range(-1, 1);
    const x0 = rng.range(1, 3);
    const x1 = rng.range(1, 3);
    const o = i * size;
    // Inputs (0, x0), (w x0, 0), (0, x1); targets the next tokens (w x0, 0), (0, x1), (w x1, 0).
    x[o + 1] = x0;
    x[o + 2] = w * x0;
    x[o + 5] = x1;
    y[o] = w * x0;
    y[o + 3] = x1;
    y[o + 4] = w * x1;
  }
  const take = (from: number, to: number): Split => ({ n: to - from, x: x.slice(from * size, to * size), y: y.slice(from * size, to * size) });
  return { train: take(0, nTrain), test: take(nTrain, n) };
}

export const inContext: TaskDefinition<typeof schema> = {
  kind: 'in-context',
  schema,
  build(config, seed) {
    const s = config.seed ?? seed;
    const { train, test } = makeInContext(config.n, config.train_fraction, new Rng(s, 'in-context/data'));
    return {
      inputs: { kind: 'sequence', length: IN_CONTEXT_LENGTH, dim: IN_CONTEXT_DIM },
      targets: { kind: 'sequence', length: IN_CONTEXT_LENGTH, dim: IN_CONTEXT_DIM, scored: IN_CONTEXT_SCORED },
      train,
      test,
      inputLabels: IN_CONTEXT_LABELS,
      outputLabels: IN_CONTEXT_LABELS,
    };
  },
  // The y it predicts at each scored position against the true one: at position 0 the slope is
  // not yet seen, at 2 it is read from the first pair (docs/cli.md, "bimt plot").
  figures: () => ['predicted-vs-true'],
};
