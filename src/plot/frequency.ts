/**
 * The frequencies of an embedding of residues mod p, for drawing modular addition. A network that
 * has learned addition mod p puts residue r at angle 2 pi k r / p on a circle for a few
 * frequencies k, each circle in a plane of its own. Two principal components show that circle
 * only when one frequency dominates; a group of embedding dimensions that holds two frequencies
 * projects to an unreadable mix. The plane of frequency k is found directly instead: it is spanned
 * by the real and imaginary parts of the embedding's discrete Fourier coefficient at k.
 *
 *   frequencyPlanes(circleAt3, 59, 2)[0]  // { k: 3, share: ≈1, points: the circle }
 */

export interface FrequencyPlane {
  /** The frequency, 1 <= k <= p / 2 (k and p - k are the same circle run the other way). */
  readonly k: number;
  /** Fraction of the embedding's variance (summed over its columns) that frequency k carries. */
  readonly share: number;
  /** Each residue projected on the plane [p, 2] row-major: angle 2 pi k r / p on a pure circle. */
  readonly points: Float64Array;
}

/**
 * Every frequency of `data` [p, cols] (row r: the embedding of residue r), largest share first.
 * The shares of all k add up to 1 (Parseval) for an embedding that is not constant.
 */
export function frequencyPlanes(data: ArrayLike<number>, p: number, cols: number): FrequencyPlane[] {
  if (data.length !== p * cols) throw new RangeError(`frequencyPlanes: data has ${data.length} values, expected ${p} x ${cols}`);
  const centred = new Float64Array(p * cols);
  let total = 0;
  for (let c = 0; c < cols; c++) {
    let mean = 0;
    for (let r = 0; r < p; r++) mean += data[r * cols + c] / p;
    for (let r = 0; r < p; r++) {
      centred[r * cols + c] = data[r * cols + c] - mean;
      total += centred[r * cols + c] ** 2;
    }
  }
  const planes: FrequencyPlane[] = [];
  for (let k = 1; 2 * k <= p; k++) {
    // c_k = sum_r x_r e^(-2 pi i k r / p). For x_r = a cos(t_r) + b sin(t_r), t_r = 2 pi k r / p,
    // c_k = (p / 2)(a - i b): Re spans a, -Im spans b, and (a, b) is the circle's plane.
    const re = new Float64Array(cols);
    const im = new Float64Array(cols);
    for (let r = 0; r < p; r++) {
      const t = (2 * Math.PI * ((k * r) % p)) / p;
      for (let c = 0; c < cols; c++) {
        re[c] += centred[r * cols + c] * Math.cos(t);
        im[c] -= centred[r * cols + c] * Math.sin(t);
      }
    }
    const power = dot(re, re) + dot(im, im);
    // k and p - k have equal power; k = p / 2 (p even) has no partner.
    const share = total > 0 ? ((2 * k === p ? 1 : 2) * power) / (p * total) : 0;
    const u = unit(re);
    const b = im.map((v) => -v);
    const along = dot(b, u);
    const v = unit(b.map((x, c) => x - along * u[c]));
    const points = new Float64Array(2 * p);
    for (let r = 0; r < p; r++) {
      const row = centred.subarray(r * cols, (r + 1) * cols);
      points[2 * r] = dot(row, u);
      points[2 * r + 1] = dot(row, v);
    }
    planes.push({ k, share, points });
  }
  return planes.sort((x, y) => y.share - x.share || x.k - y.k);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** a / |a|, or zeros for a (numerically) zero vector. */
function unit(a: Float64Array): Float64Array {
  const n = Math.sqrt(dot(a, a));
  return n > 1e-12 ? a.map((x) => x / n) : new Float64Array(a.length);
}
