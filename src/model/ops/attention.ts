/**
 * Causal softmax attention for one query of one head, forward and backward on a float64 buffer
 * (docs/design.md, "Transformer" and "Host op library"): scores q k_u / sqrt(hd) over keys
 * u = 0..t, their softmax p, output o = sum_u p_u v_u. Keys and values of a sequence are rows
 * `stride` apart from kBase and vBase (HostTransformer's [q | k | v] columns of one token-major
 * buffer). test/ops/attention.test.ts holds both to finite differences and to tfjs's autodiff.
 */

/**
 * q [hd] at mem[q..], keys and values at positions 0..t -> o [hd] at mem[o..]. Writes the
 * probabilities [T] at p[pt..] (0 after position t), which the backward pass reads.
 */
export function causalAttentionQuery(
  mem: Float64Array,
  q: number,
  kBase: number,
  vBase: number,
  stride: number,
  t: number,
  T: number,
  hd: number,
  p: Float64Array,
  pt: number,
  o: number,
): void {
  const scale = 1 / Math.sqrt(hd);
  let max = -Infinity;
  for (let u = 0; u <= t; u++) {
    const kk = kBase + u * stride;
    let dot = 0;
    for (let d = 0; d < hd; d++) dot += mem[q + d] * mem[kk + d];
    p[pt + u] = dot * scale;
    if (p[pt + u] > max) max = p[pt + u];
  }
  let sum = 0;
  for (let u = 0; u <= t; u++) sum += p[pt + u] = Math.exp(p[pt + u] - max);
  for (let u = 0; u <= t; u++) p[pt + u] /= sum;
  for (let u = t + 1; u < T; u++) p[pt + u] = 0;
  for (let d = 0; d < hd; d++) mem[o + d] = 0;
  for (let u = 0; u <= t; u++) {
    const v = vBase + u * stride;
    const w = p[pt + u];
    for (let d = 0; d < hd; d++) mem[o + d] += w * mem[v + d];
  }
}

/**
 * The backward pass of `causalAttentionQuery`: given dO [hd] at mem[dO..] and the saved
 * probabilities, ADDS d q into mem[dq..] and d k_u, d v_u into the rows from dkBase and dvBase
 * (`stride` apart, as the keys and values). dp [>= t + 1] is scratch.
 */
export function causalAttentionQueryBackward(
  mem: Float64Array,
  q: number,
  kBase: number,
  vBase: number,
  stride: number,
  t: number,
  hd: number,
  p: Float64Array,
  pt: number,
  dO: number,
  dq: number,
  dkBase: number,
  dvBase: number,
  dp: Float64Array,
): void {
  const scale = 1 / Math.sqrt(hd);
  let dot = 0;
  for (let u = 0; u <= t; u++) {
    const v = vBase + u * stride;
    const dv = dvBase + u * stride;
    const w = p[pt + u];
    let acc = 0;
    for (let d = 0; d < hd; d++) {
      acc += mem[dO + d] * mem[v + d];
      mem[dv + d] += w * mem[dO + d];
    }
    dp[u] = acc;
    dot += w * acc;
  }
  for (let u = 0; u <= t; u++) {
    const dsc = p[pt + u] * (dp[u] - dot) * scale;
    const kk = kBase + u * stride;
    const dk = dkBase + u * stride;
    for (let d = 0; d < hd; d++) {
      mem[dq + d] += dsc * mem[kk + d];
      mem[dk + d] += dsc * mem[q + d];
    }
  }
}
