/**
 * The connection cost as a differentiable tfjs scalar, for the engines that train on tfjs. Its
 * coefficients, and the host-side cost and gradient it must agree with, are connection-cost.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { CostCoefficients } from './connection-cost.js';
import { numel, tensorOf, type ModelGraph } from './model-graph.js';
import { absSignGrad } from './ops/tfjs.js';

/** The trainable tensors by name, in the layout of `Params`. */
export type ParamTensors = ReadonlyMap<string, tf.Tensor>;

/**
 * How the tfjs cost reads a tensor's coefficients: a weight's per entry are in `coefTensors`; a
 * bias's or embedding's factor is `c`, a number for one network or member k's at [k] for K
 * networks. A `CostCoefficients` is one network's.
 */
export type CostFactors<C extends number | readonly number[]> = ReadonlyMap<
  string,
  { readonly kind: 'entries' } | { readonly kind: 'bias' | 'uniform'; readonly c: C }
>;

/**
 * The differentiable cost of one network: a scalar tensor, summed in the order of `coef`.
 * `coefTensors` are the per-entry coefficients uploaded once (see `uploadCoefficients`). The
 * gradient of |w| at exactly 0 is 0 (see ops/tfjs.ts `absSignGrad`).
 */
export function connectionCostTensor(p: ParamTensors, coef: CostFactors<number>, coefTensors: ReadonlyMap<string, tf.Tensor>, includeBias: boolean): tf.Scalar;
/**
 * K networks' costs at once (docs/design.md, "Populations"): tensors [K, ...shape], per-entry
 * coefficients [K, ...shape] (`stackCoefficients`), member k's bias penalty on where
 * includeBias[k] -> [K], member k's cost at [k].
 */
export function connectionCostTensor(p: ParamTensors, coef: CostFactors<readonly number[]>, coefTensors: ReadonlyMap<string, tf.Tensor>, includeBias: readonly boolean[]): tf.Tensor1D;
export function connectionCostTensor(
  p: ParamTensors,
  coef: CostFactors<number> | CostFactors<readonly number[]>,
  coefTensors: ReadonlyMap<string, tf.Tensor>,
  includeBias: boolean | readonly boolean[],
): tf.Tensor {
  return tf.tidy(() => {
    // One network's sums are over every entry; K networks' over every axis but the leading one.
    const sum = (x: tf.Tensor) => (typeof includeBias === 'boolean' ? tf.sum(x) : tf.sum(x, x.shape.map((_, i) => i).slice(1)));
    const terms: tf.Tensor[] = [];
    for (const [name, tc] of coef) {
      const w = p.get(name)!;
      if (tc.kind === 'entries') terms.push(sum(tf.mul(absSignGrad(w), coefTensors.get(name)!)));
      else if (typeof tc.c === 'number') {
        if ((tc.kind === 'uniform' && tc.c !== 0) || (tc.kind === 'bias' && includeBias)) terms.push(tf.mul(sum(absSignGrad(w)), tc.c));
      } else {
        const on = includeBias as readonly boolean[];
        const c = tc.c.map((x, k) => (tc.kind === 'uniform' || on[k] ? x : 0));
        if (c.some((x) => x !== 0)) terms.push(tf.mul(sum(absSignGrad(w)), tf.tensor1d(c)));
      }
    }
    return tf.addN(terms);
  });
}

/** The per-entry coefficients as tensors shaped like their weights, uploaded once per engine. */
export function uploadCoefficients(g: ModelGraph, coef: CostCoefficients): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [name, tc] of coef) if (tc.kind === 'entries') out.set(name, tf.tensor(tc.c, [...tensorOf(g, name).shape]));
  return out;
}

/**
 * K networks' coefficients (one architecture, so the same tensors and kinds): each weight's per
 * entry stacked [K, ...shape], member k's in slice k, and each factor as K numbers.
 */
export function stackCoefficients(g: ModelGraph, coefs: readonly CostCoefficients[]): { coef: CostFactors<readonly number[]>; tensors: Map<string, tf.Tensor> } {
  const coef = new Map<string, { readonly kind: 'entries' } | { readonly kind: 'bias' | 'uniform'; readonly c: readonly number[] }>();
  const tensors = new Map<string, tf.Tensor>();
  for (const [name, first] of coefs[0]!) {
    const per = coefs.map((c) => c.get(name));
    const missing = (k: number) => new Error(`member ${k} has no ${first.kind} cost for ${name}`);
    if (first.kind === 'entries') {
      const t = tensorOf(g, name);
      const size = numel(t);
      const data = new Float32Array(coefs.length * size);
      per.forEach((tc, k) => {
        if (tc?.kind !== 'entries') throw missing(k);
        data.set(tc.c, k * size);
      });
      coef.set(name, { kind: 'entries' });
      tensors.set(name, tf.tensor(data, [coefs.length, ...t.shape]));
    } else {
      const c = per.map((tc, k) => {
        if (tc?.kind !== first.kind) throw missing(k);
        return tc.c;
      });
      coef.set(name, { kind: first.kind, c });
    }
  }
  return { coef, tensors };
}
