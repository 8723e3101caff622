/**
 * The token embedding on the host, forward and backward (docs/design.md, "Host op library"): a
 * BioMLP fed by tokens (modular addition, the permutation groups) looks each fold's token up in
 * one table E [vocab, dim] shared by every fold, and position j of a fold reads dimension perm[j]
 * of its token's row (the input permutation, `Network.inPerm`), as BioModel's tfjs pass does
 * (ops/tfjs.ts, `embeddedLinear`).
 *
 *     forward:   ids [n, fold] -> h [n, fold * dim],   h[r, f dim + j] = E[ids[r, f], perm[j]]
 *     backward:  dE[v, perm[j]] += sum of dh[r, f dim + j] over the (r, f) with ids[r, f] = v
 *
 * h and dh are rows of one float64 buffer, `ld` floats apart (as HostMlp keeps its layers); row
 * r of a pass reads the ids of row rows[r] of the split (a batch), or of row r without `rows`.
 * The backward pass is a scatter-add: a token met twice adds both rows. test/ops/embedding.test.ts
 * holds it to finite differences and to tfjs's autodiff of `embeddedLinear`.
 *
 *     // E = [[1, 2], [3, 4], [5, 6]] (vocab 3, dim 2), perm = [1, 0], ids = [[2, 0]]
 *     embeddingForward(mem, 0, 4, ids, 2, undefined, 1, E, 2, perm);  // mem[0..4] = [6, 5, 2, 1]
 */

import { permutedRow } from './permute.js';

/** Throws unless every id of the pass's rows is a row of a table of `vocab` rows (an integer in [0, vocab)). */
function checkIds(ids: ArrayLike<number>, fold: number, rows: Int32Array | undefined, n: number, vocab: number): void {
  for (let r = 0; r < n; r++) {
    const at = (rows ? rows[r] : r) * fold;
    for (let f = 0; f < fold; f++) {
      const v = ids[at + f];
      if (!(Number.isInteger(v) && v >= 0 && v < vocab)) throw new RangeError(`embedding: token ${v} at row ${at / fold}, fold ${f}: the table has ${vocab} rows`);
    }
  }
}

/**
 * ids [n, fold] (of `rows`, or rows 0..n-1) and E [vocab, dim] -> h [n, fold * dim] at mem[h..],
 * rows `ld` apart; position j of fold f is dimension perm[j] [dim] of token f's row of E.
 */
export function embeddingForward(
  mem: Float64Array,
  h: number,
  ld: number,
  ids: ArrayLike<number>,
  fold: number,
  rows: Int32Array | undefined,
  n: number,
  E: ArrayLike<number>,
  dim: number,
  perm: Int32Array,
): void {
  checkIds(ids, fold, rows, n, E.length / dim);
  for (let r = 0; r < n; r++) {
    const at = (rows ? rows[r] : r) * fold;
    for (let f = 0; f < fold; f++) {
      permutedRow(mem, h + r * ld + f * dim, E, ids[at + f] * dim, perm);
    }
  }
}

/**
 * The backward pass of `embeddingForward`: given dh [n, fold * dim] at mem[dh..] (rows `ld`
 * apart), ADDS each entry into the gradient of E it came from, gE [vocab, dim].
 */
export function embeddingBackward(
  mem: Float64Array,
  dh: number,
  ld: number,
  ids: ArrayLike<number>,
  fold: number,
  rows: Int32Array | undefined,
  n: number,
  gE: Float64Array,
  dim: number,
  perm: Int32Array,
): void {
  checkIds(ids, fold, rows, n, gE.length / dim);
  for (let r = 0; r < n; r++) {
    const at = (rows ? rows[r] : r) * fold;
    for (let f = 0; f < fold; f++) {
      const dst = ids[at + f] * dim;
      const src = dh + r * ld + f * dim;
      for (let j = 0; j < dim; j++) gE[dst + perm[j]] += mem[src + j];
    }
  }
}
