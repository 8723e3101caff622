// The input permutation on one row (src/model/ops/permute.ts): its doc comment's example, and a
// row read from the middle of a source into the middle of a buffer, leaving the rest alone.
import { describe, expect, it } from 'vitest';
import { permutedRow } from '../../src/model/ops/permute.js';

describe('permutedRow', () => {
  it("is the doc comment's example", () => {
    const mem = new Float64Array(3);
    permutedRow(mem, 0, [10, 20, 30], 0, Int32Array.from([2, 0, 1]));
    expect(Array.from(mem)).toEqual([30, 10, 20]);
  });

  it('reads x[src + perm[j]] into mem[dst + j] and nothing else', () => {
    const x = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const mem = new Float64Array(8).fill(-1);
    permutedRow(mem, 3, x, 4, Int32Array.from([3, 1, 0, 2]));
    expect(Array.from(mem)).toEqual([-1, -1, -1, 8, 6, 5, 7, -1]);
  });
});
