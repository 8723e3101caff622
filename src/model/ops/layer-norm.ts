/**
 * PyTorch's LayerNorm on one row of a float64 buffer, forward and backward (docs/design.md,
 * "Transformer" and "Host op library"): y = (x - mean) / sqrt(var + LN_EPS) * gain + bias with
 * the biased variance. Rows are addressed by offsets into one buffer (HostTransformer keeps all of
 * its activations in one WebAssembly memory), so a caller loops over the rows it needs.
 * test/ops/layer-norm.test.ts holds both to finite differences and to tfjs's autodiff.
 */
import { LN_EPS } from './activations.js';

/**
 * x [E] at mem[x..] -> y [E] at mem[y..]; also writes the normalised row xhat [E] at mem[xhat..]
 * for the backward pass and returns 1 / sqrt(var + eps). gain and bias [E].
 */
export function layerNormRow(mem: Float64Array, x: number, y: number, xhat: number, E: number, gain: ArrayLike<number>, bias: ArrayLike<number>): number {
  let mean = 0;
  for (let c = 0; c < E; c++) mean += mem[x + c];
  mean /= E;
  let v = 0;
  for (let c = 0; c < E; c++) v += (mem[x + c] - mean) ** 2;
  const rstd = 1 / Math.sqrt(v / E + LN_EPS);
  for (let c = 0; c < E; c++) {
    const h = (mem[x + c] - mean) * rstd;
    mem[xhat + c] = h;
    mem[y + c] = h * gain[c] + bias[c];
  }
  return rstd;
}

/**
 * The backward pass of `layerNormRow`: given dy [E] at mem[dy..], the saved xhat [E] and rstd,
 * ADDS dx = rstd (dy gain - mean(dy gain) - xhat mean(dy gain xhat)) into mem[dx..] and adds this
 * row's terms to the gain and bias gradients gGain += dy xhat, gBias += dy ([E] each).
 */
export function layerNormRowBackward(
  mem: Float64Array,
  dy: number,
  xhat: number,
  dx: number,
  E: number,
  gain: ArrayLike<number>,
  rstd: number,
  gGain: Float64Array,
  gBias: Float64Array,
): void {
  let m1 = 0;
  let m2 = 0;
  for (let c = 0; c < E; c++) {
    const g = mem[dy + c];
    const h = mem[xhat + c];
    gGain[c] += g * h;
    gBias[c] += g;
    const dh = g * gain[c];
    m1 += dh;
    m2 += dh * h;
  }
  m1 /= E;
  m2 /= E;
  for (let c = 0; c < E; c++) mem[dx + c] += rstd * (mem[dy + c] * gain[c] - m1 - mem[xhat + c] * m2);
}
