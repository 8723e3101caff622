/**
 * Modular addition (docs/experiments.md, "Modular addition", paper section 3.3, Figure 5): the
 * token-pair task (src/tasks/token-pairs.ts) whose tokens are the residues mod p and whose
 * operation is (a + b) mod p.
 */
import { z } from 'zod';
import { Rng } from '../util/random.js';
import type { TaskDefinition } from './task.js';
import { makeTokenPairs, tokenPairFields, tokenPairTask, type OperationTable, type TokenPairSplit } from './token-pairs.js';

const schema = z.strictObject({
  kind: z.literal('modular-addition'),
  /** The modulus: residues 0..p-1 are both the tokens and the classes. */
  p: z.number().int().min(2).max(4096).default(59),
  ...tokenPairFields,
});
export type ModularAdditionConfig = z.infer<typeof schema>;

/** Addition mod p: table[a * p + b] = (a + b) mod p, residues named by their numbers. */
export function additionTable(p: number): OperationTable {
  const table = new Int32Array(p * p);
  for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) table[a * p + b] = (a + b) % p;
  return { n: p, table, names: Array.from({ length: p }, (_, r) => String(r)), describe: `p = ${p}` };
}

/**
 * All p^2 pairs in a seeded random order, the first floor(fraction * p^2) for training
 * (makeTokenPairs); y is (a + b) mod p.
 */
export function makeModularAddition(p: number, trainFraction: number, rng: Rng): TokenPairSplit {
  return makeTokenPairs(additionTable(p), trainFraction, rng);
}

export const modularAddition: TaskDefinition<typeof schema> = {
  kind: 'modular-addition',
  schema,
  build(config, seed) {
    return tokenPairTask(additionTable(config.p), config, config.seed ?? seed, 'modular-addition/split');
  },
  // The embedding's circles, one per frequency (the paper's Figure 5).
  figures: () => ['embedding-frequencies'],
};
