/**
 * The permutation group S_n (docs/experiments.md, "Permutation group S4", paper section 3.3, Figure 6):
 * the token-pair task (src/tasks/token-pairs.ts) whose tokens are the n! permutations of
 * (0, ..., n-1) in lexicographic order and whose operation is composition.
 */
import { z } from 'zod';
import type { TaskDefinition } from './task.js';
import { tokenPairFields, tokenPairTask, type OperationTable } from './token-pairs.js';

const schema = z.strictObject({
  kind: z.literal('permutation-group'),
  /** The degree: tokens and classes are the n! permutations of 0..n-1 (S_4: 24). */
  n: z.number().int().min(2).max(6).default(4),
  ...tokenPairFields,
});
export type PermutationGroupConfig = z.infer<typeof schema>;

/** The n! permutations of 0..n-1 in lexicographic order (the notebook's order; index 0 is the identity). */
export function permutations(n: number): number[][] {
  const out: number[][] = [];
  const walk = (prefix: number[], rest: number[]) => {
    if (rest.length === 0) out.push(prefix);
    rest.forEach((m, i) => walk([...prefix, m], [...rest.slice(0, i), ...rest.slice(i + 1)]));
  };
  walk([], [...Array(n).keys()]);
  return out;
}

/** +1 for an even permutation, -1 for an odd one (the parity of its inversions). */
export function permutationSign(perm: readonly number[]): 1 | -1 {
  let inversions = 0;
  for (let j = 0; j < perm.length; j++) for (let i = 0; i < j; i++) if (perm[i] > perm[j]) inversions++;
  return inversions % 2 === 0 ? 1 : -1;
}

/**
 * Composition in S_n: table[a * n! + b] is the index of t -> perm_a[perm_b[t]], b applied first.
 * This is what the reference computes: its labels pair p_out = perm_j[perm_i] with (i, j), but its
 * inputs come from a meshgrid that lists the pair as (j, i) (docs/experiments.md, "Permutation group S4").
 * Tokens are written in one-line notation, "1023" for the permutation 0 -> 1, 1 -> 0.
 */
export function compositionTable(n: number): OperationTable {
  const perms = permutations(n);
  const names = perms.map((p) => p.join(''));
  const index = new Map(names.map((s, i) => [s, i]));
  const m = perms.length;
  const table = new Int32Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) {
      const composed = perms[b].map((t) => perms[a][t]).join('');
      table[a * m + b] = index.get(composed)!;
    }
  }
  return { n: m, table, names, describe: `S_${n}` };
}

export const permutationGroup: TaskDefinition<typeof schema> = {
  kind: 'permutation-group',
  schema,
  build(config, seed) {
    return tokenPairTask(compositionTable(config.n), config, config.seed ?? seed, 'permutation-group/split');
  },
  // The embedding split by the permutations' sign, which the paper finds it encodes (Figure 6).
  figures: () => ['embedding-sign'],
};
