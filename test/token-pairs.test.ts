import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { additionTable, makeModularAddition, modularAddition } from '../src/tasks/modular-addition.js';
import type { Split } from '../src/tasks/task.js';
import { makeTokenPairs } from '../src/tasks/token-pairs.js';
import { Rng } from '../src/util/random.js';

const digest = (s: Split) => createHash('sha256').update(Buffer.from(s.x.buffer)).update(Buffer.from(s.y.buffer)).digest('hex').slice(0, 16);

/** The split as modular addition drew it before the token-pair family existed, written out here. */
function oldModularAddition(p: number, fraction: number, rng: Rng): { train: Split; test: Split } {
  const total = p * p;
  const nTrain = Math.floor(fraction * total + 1e-9);
  const order = rng.shuffle(Int32Array.from({ length: total }, (_, k) => k));
  const take = (from: number, to: number): Split => {
    const x = new Int32Array((to - from) * 2);
    const y = new Int32Array(to - from);
    for (let i = 0; i < to - from; i++) {
      const [a, b] = [Math.floor(order[from + i] / p), order[from + i] % p];
      [x[2 * i], x[2 * i + 1], y[i]] = [a, b, (a + b) % p];
    }
    return { n: to - from, x, y };
  };
  return { train: take(0, nTrain), test: take(nTrain, total) };
}

describe('modular addition through the token-pair family', () => {
  it('draws exactly the split it drew before (the fig5 golden run depends on it)', () => {
    for (const [p, seed] of [[59, 4], [11, 4], [7, 1]] as const) {
      const now = makeModularAddition(p, 0.8, new Rng(seed, 'modular-addition/split'));
      const before = oldModularAddition(p, 0.8, new Rng(seed, 'modular-addition/split'));
      expect(now.train).toEqual(before.train);
      expect(now.test).toEqual(before.test);
    }
    const t = modularAddition.build(modularAddition.schema.parse({ kind: 'modular-addition' }), 4);
    const before = oldModularAddition(59, 0.8, new Rng(4, 'modular-addition/split'));
    expect([digest(t.train), digest(t.test)]).toEqual([digest(before.train), digest(before.test)]);
    expect(t.outputLabels).toEqual(additionTable(59).names);
  });

  it('the addition table is cyclic: (a + b) mod p, named by residue', () => {
    const { n, table, names } = additionTable(5);
    expect(n).toBe(5);
    expect(Array.from(table.subarray(15, 20))).toEqual([3, 4, 0, 1, 2]);
    expect(names).toEqual(['0', '1', '2', '3', '4']);
  });

  it('any table: labels follow the table, the split is a permutation of all pairs', () => {
    const op = { n: 3, table: Int32Array.from([0, 0, 0, 0, 1, 2, 0, 2, 1]), names: ['a', 'b', 'c'], describe: 'Z_3 under *' };
    const { train, test } = makeTokenPairs(op, 0.5, new Rng(3));
    expect([train.n, test.n]).toEqual([4, 5]);
    const seen = new Set<number>();
    for (const s of [train, test]) {
      for (let i = 0; i < s.n; i++) {
        const [a, b] = [s.x[2 * i], s.x[2 * i + 1]];
        expect(s.y[i]).toBe((a * b) % 3);
        seen.add(a * 3 + b);
      }
    }
    expect(seen.size).toBe(9);
  });
});
