import { describe, expect, it } from 'vitest';
import { modelSchema } from '../src/config/schema.js';
import { architectureFor } from '../src/config/architecture.js';
import { BimtError } from '../src/errors.js';
import { compositionTable, permutationGroup, permutations, permutationSign } from '../src/tasks/permutation-group.js';
import type { Split } from '../src/tasks/task.js';
import { makeTokenPairs } from '../src/tasks/token-pairs.js';
import { Rng } from '../src/util/random.js';
import { asMlp } from './helpers.js';

const build = (task: object = {}, seed = 1) =>
  permutationGroup.build(permutationGroup.schema.parse({ kind: 'permutation-group', ...task }), seed);
const pairs = (s: Split) => Array.from({ length: s.n }, (_, i) => s.x[2 * i] * 1000 + s.x[2 * i + 1]);

describe('S4 operation table', () => {
  const perms = permutations(4);
  const { n, table, names } = compositionTable(4);
  const op = (a: number, b: number) => table[a * n + b];

  it('lists the 24 permutations of (0,1,2,3) in lexicographic order, named in one-line notation', () => {
    expect(n).toBe(24);
    expect(perms[0]).toEqual([0, 1, 2, 3]);
    expect(perms[1]).toEqual([0, 1, 3, 2]);
    expect(perms[23]).toEqual([3, 2, 1, 0]);
    expect(names.slice(0, 3)).toEqual(['0123', '0132', '0213']);
    expect([...names].sort()).toEqual(names);
    expect(new Set(names).size).toBe(24);
  });

  it('labels (a, b) with the composition t -> perm_a[perm_b[t]], b applied first', () => {
    for (let a = 0; a < n; a++) {
      for (let b = 0; b < n; b++) {
        const c = perms[op(a, b)];
        for (let t = 0; t < 4; t++) expect(c[t]).toBe(perms[a][perms[b][t]]);
      }
    }
    // A hand-checked pair: a = (0 1) as 1023, b = (1 2) as 0213; a after b sends 0 -> 1, 1 -> 2, 2 -> 0.
    expect(names[op(names.indexOf('1023'), names.indexOf('0213'))]).toBe('1203');
  });

  it('is a group table: identity, inverses, associativity, and not abelian', () => {
    for (let a = 0; a < n; a++) {
      expect(op(0, a)).toBe(a);
      expect(op(a, 0)).toBe(a);
      const row = Array.from({ length: n }, (_, b) => op(a, b));
      expect(new Set(row).size).toBe(n); // Latin square: each row a permutation of the tokens
      expect(row.filter((c) => c === 0)).toHaveLength(1); // exactly one inverse...
      const inv = row.indexOf(0);
      expect(op(inv, a)).toBe(0); // ...and it is two-sided
    }
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) for (let c = 0; c < n; c += 5) expect(op(op(a, b), c)).toBe(op(a, op(b, c)));
    let commuting = 0;
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (op(a, b) === op(b, a)) commuting++;
    expect(commuting).toBeLessThan(n * n);
  });

  it('signs multiply under composition; 12 permutations are even', () => {
    const sign = perms.map(permutationSign);
    expect(sign.filter((s) => s === 1)).toHaveLength(12);
    expect(permutationSign([1, 0, 2, 3])).toBe(-1);
    expect(permutationSign([1, 2, 0, 3])).toBe(1);
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) expect(sign[op(a, b)]).toBe(sign[a] * sign[b]);
  });

  it('S_2 and S_3 are tables of the right size too', () => {
    expect(compositionTable(2).names).toEqual(['01', '10']);
    expect(Array.from(compositionTable(2).table)).toEqual([0, 1, 1, 0]);
    expect(compositionTable(3).n).toBe(6);
  });
});

describe('permutation-group task', () => {
  it('splits all 576 pairs 460/116, disjoint and complete, labelled by the table', () => {
    const t = build();
    const { table } = compositionTable(4);
    expect(t.inputs).toEqual({ kind: 'tokens', count: 2, vocab: 24 });
    expect(t.targets).toEqual({ kind: 'classes', count: 24 });
    // int(0.8 * 24^2) = 460, the full batch of docs/experiments.md, "The paper's experiments" table.
    expect([t.train.n, t.test.n]).toEqual([460, 116]);
    const train = new Set(pairs(t.train));
    const test = new Set(pairs(t.test));
    expect(train.size + test.size).toBe(576);
    expect([...test].filter((k) => train.has(k))).toEqual([]);
    for (const s of [t.train, t.test]) for (let i = 0; i < s.n; i++) expect(s.y[i]).toBe(table[s.x[2 * i] * 24 + s.x[2 * i + 1]]);
  });

  it('is seeded: same seed same split, another seed another, task.seed overrides', () => {
    const a = build({}, 1);
    expect(a.train.x).toEqual(build({}, 1).train.x);
    expect(a.test.y).toEqual(build({}, 1).test.y);
    expect(a.train.x).not.toEqual(build({}, 2).train.x);
    expect(build({ seed: 1 }, 99).train.x).toEqual(a.train.x);
  });

  it('names inputs by embedding dimension and outputs by permutation; sizes the embedding', () => {
    const t = build();
    expect(t.inputLabels).toEqual(Array.from({ length: 32 }, (_, d) => `e${d}`));
    expect(t.outputLabels).toEqual(compositionTable(4).names);
    const model = modelSchema.parse({ widths: [64, 50, 50, 24], in_fold: 2 });
    expect(asMlp(architectureFor(model, t)).embedding).toEqual({ vocab: 24, dim: 32 });
    expect(build({ n: 3 }).train.n).toBe(Math.floor(0.8 * 36));
  });

  it('refuses a fraction that empties a split, naming the group', () => {
    expect(() => makeTokenPairs(compositionTable(2), 0.1, new Rng(1))).toThrow(BimtError);
    expect(() => build({ n: 2, train_fraction: 0.1 })).toThrow(/0\.1 leaves an empty train or test set for S_2 \(4 pairs\)/);
    expect(() => permutationGroup.schema.parse({ kind: 'permutation-group', n: 7 })).toThrow();
  });
});
