/**
 * c = a b^T on float64 row-major arrays: a [m, k], b [n, k], c [m, n]; the one matrix product of
 * the host training path (src/model/host-mlp.ts lays out its operands so that forward, input
 * gradient and weight gradient all take this form, with both operands read contiguously).
 *
 *     gemmNT([1, 2, 3, 4], [1, 0, 0, 1, 1, 1], c, 2, 3, 2)  // c = [1, 2, 3, 3, 4, 7]
 *
 * Computed in 2 x 2 blocks: each loaded value feeds two multiply-adds, which roughly doubles the
 * speed of plain dot products in V8 at the widths BIMT uses (20 to 200).
 */
export function gemmNT(a: Float64Array, b: Float64Array, c: Float64Array, m: number, n: number, k: number): void {
  for (let r = 0; r < m; r += 2) {
    const twoRows = r + 1 < m;
    const a0 = r * k;
    const a1 = twoRows ? a0 + k : a0;
    const c0 = r * n;
    const c1 = c0 + n;
    for (let o = 0; o < n; o += 2) {
      const twoCols = o + 1 < n;
      const b0 = o * k;
      const b1 = twoCols ? b0 + k : b0;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      for (let i = 0; i < k; i++) {
        const x0 = a[a0 + i];
        const x1 = a[a1 + i];
        const y0 = b[b0 + i];
        const y1 = b[b1 + i];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s10 += x1 * y0;
        s11 += x1 * y1;
      }
      c[c0 + o] = s00;
      if (twoCols) c[c0 + o + 1] = s01;
      if (twoRows) {
        c[c1 + o] = s10;
        if (twoCols) c[c1 + o + 1] = s11;
      }
    }
  }
}
