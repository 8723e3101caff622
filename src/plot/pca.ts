/**
 * Top-2 principal components, for drawing embeddings in 2-D (modular addition: residues on a
 * circle, docs/experiments.md, "Modular addition").
 *
 * Subspace iteration on the covariance matrix with both vectors at once, then a 2x2 Rayleigh-Ritz
 * step to order them. Iterating the pair together matters: a trained modular-addition embedding
 * has exactly paired eigenvalues (cos and sin of one frequency), where one-vector power iteration
 * with deflation converges arbitrarily slowly.
 */

export interface Pca2 {
  /** Projections [rows, 2] row-major: (PC1, PC2) of each row. */
  readonly points: Float64Array;
  /** Variance along PC1 and PC2 (eigenvalues of the covariance, PC1 >= PC2). */
  readonly variance: readonly [number, number];
  /** Unit principal directions, each of length cols. */
  readonly components: readonly [Float64Array, Float64Array];
}

/**
 * PCA of `data` [rows, cols] row-major (e.g. an embedding, rows = tokens).
 *   pca2(Float32Array.of(0,0, 2,0, 0,1), 3, 2).components[0]  // ≈ [1, 0]
 * Signs are fixed so the largest-magnitude entry of each component is positive (deterministic
 * pictures). Needs cols >= 2.
 */
export function pca2(data: Float32Array, rows: number, cols: number): Pca2 {
  if (data.length !== rows * cols) throw new RangeError(`pca2: data has ${data.length} values, expected ${rows} x ${cols}`);
  if (cols < 2) throw new RangeError('pca2: needs at least 2 columns');
  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c] += data[r * cols + c] / rows;
  const cov = new Float64Array(cols * cols);
  for (let r = 0; r < rows; r++) {
    for (let a = 0; a < cols; a++) {
      const da = data[r * cols + a] - mean[a];
      for (let b = a; b < cols; b++) cov[a * cols + b] += (da * (data[r * cols + b] - mean[b])) / Math.max(1, rows - 1);
    }
  }
  for (let a = 0; a < cols; a++) for (let b = 0; b < a; b++) cov[a * cols + b] = cov[b * cols + a];

  const mul = (v: Float64Array) => {
    const out = new Float64Array(cols);
    for (let a = 0; a < cols; a++) {
      let s = 0;
      for (let b = 0; b < cols; b++) s += cov[a * cols + b] * v[b];
      out[a] = s;
    }
    return out;
  };
  // Fixed, generic start vectors (not orthogonal to any particular eigenvector in practice).
  let u: Float64Array = Float64Array.from({ length: cols }, (_, i) => 1 + 0.37 * Math.sin(1.3 * i + 0.2));
  let v: Float64Array = Float64Array.from({ length: cols }, (_, i) => Math.cos(2.1 * i + 0.7));
  [u, v] = orthonormal(u, v);
  for (let it = 0; it < 2000; it++) {
    const [nu, nv] = orthonormal(mul(u), mul(v));
    // How far the plane moved (0 when span(nu, nv) = span(u, v)); the vectors themselves may
    // keep turning inside the plane when the two eigenvalues are close, which Rayleigh-Ritz fixes.
    const moved = 2 - dot(nu, u) ** 2 - dot(nu, v) ** 2 - dot(nv, u) ** 2 - dot(nv, v) ** 2;
    u = nu;
    v = nv;
    if (moved < 1e-13) break;
  }
  // Rayleigh-Ritz: diagonalise the 2x2 projection of cov onto span(u, v).
  const cu = mul(u);
  const cv = mul(v);
  const h11 = dot(u, cu);
  const h12 = dot(u, cv);
  const h22 = dot(v, cv);
  const theta = 0.5 * Math.atan2(2 * h12, h11 - h22);
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  const p1 = u.map((x, i) => c * x + s * v[i]);
  const p2 = u.map((x, i) => -s * x + c * v[i]);
  let e1 = dot(p1, mul(p1));
  let e2 = dot(p2, mul(p2));
  let [pc1, pc2] = [p1, p2];
  if (e2 > e1) {
    [pc1, pc2] = [p2, p1];
    [e1, e2] = [e2, e1];
  }
  fixSign(pc1);
  fixSign(pc2);

  const points = new Float64Array(rows * 2);
  for (let r = 0; r < rows; r++) {
    let a = 0;
    let b = 0;
    for (let k = 0; k < cols; k++) {
      const d = data[r * cols + k] - mean[k];
      a += d * pc1[k];
      b += d * pc2[k];
    }
    points[2 * r] = a;
    points[2 * r + 1] = b;
  }
  return { points, variance: [e1, e2], components: [pc1, pc2] };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Gram-Schmidt on two vectors; a vanished vector (zero-rank data) is replaced by a unit axis. */
function orthonormal(a: Float64Array, b: Float64Array): [Float64Array, Float64Array] {
  const unit = (x: Float64Array, fallback: number) => {
    const n = Math.sqrt(dot(x, x));
    if (n > 1e-300) return x.map((y) => y / n);
    const e = new Float64Array(x.length);
    e[fallback % x.length] = 1;
    return e;
  };
  const u = unit(a, 0);
  const p = dot(u, b);
  let w = unit(
    b.map((y, i) => y - p * u[i]),
    1,
  );
  if (Math.abs(dot(u, w)) > 1e-9) {
    // The fallback axis was not orthogonal to u: orthogonalise it too.
    const q = dot(u, w);
    w = unit(
      w.map((y, i) => y - q * u[i]),
      0,
    );
  }
  return [u, w];
}

function fixSign(v: Float64Array): void {
  let k = 0;
  for (let i = 1; i < v.length; i++) if (Math.abs(v[i]) > Math.abs(v[k])) k = i;
  if (v[k] < 0) for (let i = 0; i < v.length; i++) v[i] = -v[i];
}
