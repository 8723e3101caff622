/**
 * The connection cost (docs/DESIGN.md, "Connection cost"), in its one home:
 *
 *     cost = AGG_l |W_l| * (A_l * D_l + l0)  +  [bias] AGG_l |b_l| * l0  +  [embedding] AGG |E| * l0
 *
 * Everything that depends on geometry and settings is folded into per-entry coefficients computed
 * once (`costCoefficients`), so the differentiable tfjs cost is one weighted L1 per tensor and
 * the host-side cost, the swap search and the metrics all read the same numbers. The tfjs twin,
 * differentiated by the tfjs engine, is connection-cost-tfjs.ts: kept apart so that what trains
 * without tfjs never loads it.
 */
import type { HostGrads } from './host-mlp.js';
import { distance, type Geometry } from './geometry.js';
import { numWeightLayers, type Architecture, type Network, type Params } from './network.js';

export interface CostSpec {
  /** A: weight of the distance term. */
  readonly weightFactor: number;
  /** Constant cost per unit |w| (stands in for the layer-to-layer distance). */
  readonly l0: number;
  /** Removes only the last layer's distance term; its l0 term stays. */
  readonly noPenalizeLast: boolean;
  /** 'sum' over entries (symbolic, two moons) or 'mean' per tensor (modular addition, ...). */
  readonly aggregate: 'sum' | 'mean';
}

/** Per-entry coefficients: cost = sum |W_l| .* weights[l] + sum |b_l| * bias[l] + sum |E| * embedding. */
export interface CostCoefficients {
  /** weights[l][i * N_{l+1} + o] = s_l * (A_l * D_l[i, o] + l0), s_l the aggregation scale. */
  readonly weights: Float32Array[];
  /** Scalar coefficient of |b_l| (s * l0). */
  readonly bias: number[];
  /** Scalar coefficient of |E| (s * l0), 0 without an embedding. */
  readonly embedding: number;
}

export function costCoefficients(arch: Architecture, geometry: Geometry, spec: CostSpec): CostCoefficients {
  const L = numWeightLayers(arch);
  const scale = (numel: number) => (spec.aggregate === 'mean' ? 1 / numel : 1);
  const weights: Float32Array[] = [];
  const bias: number[] = [];
  for (let l = 0; l < L; l++) {
    const nIn = arch.widths[l];
    const nOut = arch.widths[l + 1];
    const a = spec.noPenalizeLast && l === L - 1 ? 0 : spec.weightFactor;
    const s = scale(nIn * nOut);
    const c = new Float32Array(nIn * nOut);
    for (let i = 0; i < nIn; i++) {
      for (let o = 0; o < nOut; o++) c[i * nOut + o] = s * (a * distance(geometry[l], i, geometry[l + 1], o) + spec.l0);
    }
    weights.push(c);
    bias.push(scale(nOut) * spec.l0);
  }
  const embedding = arch.embedding ? scale(arch.embedding.vocab * arch.embedding.dim) * spec.l0 : 0;
  return { weights, bias, embedding };
}

/** The cost of host-side parameters, accumulated in float64. */
export function connectionCost(params: Params, coef: CostCoefficients, includeBias: boolean): number {
  let total = 0;
  params.weights.forEach((w, l) => {
    const c = coef.weights[l];
    for (let n = 0; n < w.length; n++) total += Math.abs(w[n]) * c[n];
  });
  if (includeBias) params.biases.forEach((b, l) => (total += coef.bias[l] * sumAbs(b)));
  if (params.embedding) total += coef.embedding * sumAbs(params.embedding);
  return total;
}

/** Convenience: the cost of a network under a spec. */
export function networkCost(net: Network, spec: CostSpec, includeBias: boolean): number {
  return connectionCost(net.params, costCoefficients(net.arch, net.geometry, spec), includeBias);
}

/**
 * Adds `scale` times the cost's gradient to host gradients: coefficient * sign(w), with sign(0) = 0
 * as `absSignGrad` gives on tfjs. The twin of `connectionCostTensor` (connection-cost-tfjs.ts)
 * for the typed-array path.
 */
export function addCostGradient(
  params: Params,
  coef: CostCoefficients,
  includeBias: boolean,
  scale: number,
  grads: HostGrads,
): void {
  params.weights.forEach((w, l) => {
    const c = coef.weights[l];
    const g = grads.weights[l];
    for (let n = 0; n < w.length; n++) g[n] += scale * c[n] * Math.sign(w[n]);
  });
  if (params.embedding && grads.embedding && coef.embedding !== 0) addSign(params.embedding, scale * coef.embedding, grads.embedding);
  if (includeBias) params.biases.forEach((b, l) => addSign(b, scale * coef.bias[l], grads.biases[l]));
}

/** g += c * sign(x). */
function addSign(x: Float32Array, c: number, g: Float64Array): void {
  for (let n = 0; n < x.length; n++) g[n] += c * Math.sign(x[n]);
}

function sumAbs(a: Float32Array): number {
  let s = 0;
  for (let n = 0; n < a.length; n++) s += Math.abs(a[n]);
  return s;
}
