/**
 * The connection cost as a differentiable tfjs scalar, for the engines that train on tfjs. Its
 * coefficients, and the host-side cost and gradient it must agree with, are connection-cost.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { CostCoefficients } from './connection-cost.js';
import { tensorOf, type ModelGraph } from './model-graph.js';
import { absSignGrad } from './ops/tfjs.js';

/** The trainable tensors by name, in the layout of `Params`. */
export type ParamTensors = ReadonlyMap<string, tf.Tensor>;

/**
 * The differentiable cost: a scalar tensor, summed in the order of `coef`. `coefTensors` are the
 * per-entry coefficients uploaded once (see `uploadCoefficients`). The gradient of |w| at exactly
 * 0 is 0 (see ops/tfjs.ts `absSignGrad`).
 */
export function connectionCostTensor(
  p: ParamTensors,
  coef: CostCoefficients,
  coefTensors: ReadonlyMap<string, tf.Tensor>,
  includeBias: boolean,
): tf.Scalar {
  return tf.tidy(() => {
    const terms: tf.Scalar[] = [];
    for (const [name, tc] of coef) {
      const w = p.get(name)!;
      if (tc.kind === 'entries') terms.push(tf.sum(tf.mul(absSignGrad(w), coefTensors.get(name)!)));
      else if ((tc.kind === 'uniform' && tc.c !== 0) || (tc.kind === 'bias' && includeBias)) terms.push(tf.mul(tf.sum(absSignGrad(w)), tc.c));
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
