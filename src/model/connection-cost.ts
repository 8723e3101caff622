/**
 * The connection cost (docs/design.md, "Connection cost"), in its one home:
 *
 *     cost = AGG |W| * (A * D + l0)  over every weight  +  [bias] AGG |b| * l0  +  AGG |E| * l0
 *
 * Everything that depends on geometry and settings is folded into per-entry coefficients computed
 * once from the model graph (`costCoefficients`), so the differentiable tfjs cost is one weighted
 * L1 per tensor and the host-side cost, the swap search and the metrics all read the same
 * numbers. LayerNorm parameters carry no cost (the reference leaves them out). The tfjs twin,
 * differentiated by the tfjs engine, is connection-cost-tfjs.ts: kept apart so that what trains
 * without tfjs never loads it.
 */
import { distance } from './geometry.js';
import { layerOf, numel, type HostGrads, type ModelGraph, type Params } from './model-graph.js';
import type { Network } from './network.js';

export interface CostSpec {
  /** A: weight of the distance term. */
  readonly weightFactor: number;
  /** Constant cost per unit |w| (stands in for the layer-to-layer distance). */
  readonly l0: number;
  /** Removes only the distance term of the weights into the output layer; their l0 term stays. */
  readonly noPenalizeLast: boolean;
  /** 'sum' over entries (symbolic, two moons) or 'mean' per tensor (modular addition, ...). */
  readonly aggregate: 'sum' | 'mean';
}

/** How one tensor enters the cost. */
export type TensorCost =
  /** A weight: c[n] = s * (A * D[n] + l0) per entry. */
  | { readonly kind: 'entries'; readonly c: Float32Array }
  /** A bias: s * l0 * sum |b|, counted only while the bias penalty is on. */
  | { readonly kind: 'bias'; readonly c: number }
  /** An embedding: s * l0 * sum |E|, always counted. */
  | { readonly kind: 'uniform'; readonly c: number };

/**
 * Per tensor name, in the order the cost sums them: every weight, then every bias, then the
 * embedding (the order fixes the float64 sum, and so the metrics, to the last digit).
 */
export type CostCoefficients = ReadonlyMap<string, TensorCost>;

export function costCoefficients(g: ModelGraph, spec: CostSpec): CostCoefficients {
  const scale = (n: number) => (spec.aggregate === 'mean' ? 1 / n : 1);
  const out = new Map<string, TensorCost>();
  for (const t of g.tensors) {
    if (t.kind !== 'weight') continue;
    const from = layerOf(g, t.from);
    const to = layerOf(g, t.to);
    const [rows, cols] = t.shape;
    const a = spec.noPenalizeLast && to.role === 'output' ? 0 : spec.weightFactor;
    const s = scale(rows * cols);
    const c = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      for (let o = 0; o < cols; o++) c[i * cols + o] = s * (a * distance(from.geometry, i % from.size, to.geometry, o % to.size) + spec.l0);
    }
    out.set(t.name, { kind: 'entries', c });
  }
  for (const t of g.tensors) if (t.kind === 'bias') out.set(t.name, { kind: 'bias', c: scale(numel(t)) * spec.l0 });
  for (const t of g.tensors) if (t.kind === 'embedding') out.set(t.name, { kind: 'uniform', c: scale(numel(t)) * spec.l0 });
  return out;
}

/** The cost of host-side parameters, accumulated in float64. */
export function connectionCost(params: Params, coef: CostCoefficients, includeBias: boolean): number {
  let total = 0;
  for (const [name, tc] of coef) {
    const w = params.get(name)!;
    if (tc.kind === 'entries') {
      const c = tc.c;
      for (let n = 0; n < w.length; n++) total += Math.abs(w[n]!) * c[n]!;
    } else if (tc.kind === 'uniform' || includeBias) total += tc.c * sumAbs(w);
  }
  return total;
}

/** Convenience: the cost of a network under a spec. */
export function networkCost(net: Network, spec: CostSpec, includeBias: boolean): number {
  return connectionCost(net.params, costCoefficients(net.graph, spec), includeBias);
}

/**
 * Adds `scale` times the cost's gradient to host gradients: coefficient * sign(w), with sign(0) = 0
 * as `absSignGrad` gives on tfjs. The twin of `connectionCostTensor` (connection-cost-tfjs.ts)
 * for the typed-array path.
 */
export function addCostGradient(params: Params, coef: CostCoefficients, includeBias: boolean, scale: number, grads: HostGrads): void {
  for (const [name, tc] of coef) {
    const w = params.get(name)!;
    const g = grads.get(name)!;
    if (tc.kind === 'entries') {
      const c = tc.c;
      for (let n = 0; n < w.length; n++) g[n]! += scale * c[n]! * Math.sign(w[n]!);
    } else if ((tc.kind === 'uniform' && tc.c !== 0) || (tc.kind === 'bias' && includeBias)) addSign(w, scale * tc.c, g);
  }
}

/** g += c * sign(x). */
function addSign(x: Float32Array, c: number, g: Float64Array): void {
  for (let n = 0; n < x.length; n++) g[n]! += c * Math.sign(x[n]!);
}

function sumAbs(a: Float32Array): number {
  let s = 0;
  for (let n = 0; n < a.length; n++) s += Math.abs(a[n]!);
  return s;
}
