/**
 * The input permutation on one row (docs/design.md, "Host op library"; "Model graph" for
 * `inPerm`): the swaps that relocation makes among a layer's input positions move no data, so a
 * pass reads its inputs through the permutation instead. HostMlp reads each fold of a feature row
 * through it, HostTransformer each token's features, and the embedding op (ops/embedding.ts) each
 * token's row of the table.
 *
 *     x [perm.length] (from src) -> y [perm.length] at mem[dst..],  y[j] = x[src + perm[j]]
 *
 *     permutedRow(mem, 0, [10, 20, 30], 0, Int32Array.from([2, 0, 1]));  // mem[0..3] = [30, 10, 20]
 */
export function permutedRow(mem: Float64Array, dst: number, x: ArrayLike<number>, src: number, perm: Int32Array): void {
  for (let j = 0; j < perm.length; j++) mem[dst + j] = x[src + perm[j]];
}
