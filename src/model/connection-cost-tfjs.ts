/**
 * The connection cost as a differentiable tfjs scalar, for the engines that train on tfjs. Its
 * coefficients, and the host-side cost and gradient it must agree with, are connection-cost.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { CostCoefficients } from './connection-cost.js';
import type { Architecture } from './network.js';
import { absSignGrad } from './ops.js';

/** Tensors of the trainable parameters, in the layout of `Params` ([in, out] weights). */
export interface ParamTensors {
  readonly weights: readonly tf.Tensor2D[];
  readonly biases: readonly tf.Tensor1D[];
  readonly embedding?: tf.Tensor2D;
}

/**
 * The differentiable cost: a scalar tensor. `coefTensors` are `coef.weights` uploaded once (see
 * `uploadCoefficients`). The gradient of |w| at exactly 0 is 0 (see ops.ts `absSignGrad`).
 */
export function connectionCostTensor(
  p: ParamTensors,
  coef: CostCoefficients,
  coefTensors: readonly tf.Tensor2D[],
  includeBias: boolean,
): tf.Scalar {
  return tf.tidy(() => {
    const terms: tf.Scalar[] = p.weights.map((w, l) => tf.sum(tf.mul(absSignGrad(w), coefTensors[l])));
    if (includeBias) p.biases.forEach((b, l) => terms.push(tf.mul(tf.sum(absSignGrad(b)), coef.bias[l])));
    if (p.embedding && coef.embedding !== 0) terms.push(tf.mul(tf.sum(absSignGrad(p.embedding)), coef.embedding));
    return tf.addN(terms);
  });
}

/** `coef.weights` as [N_l, N_{l+1}] tensors, uploaded once per engine. */
export function uploadCoefficients(arch: Architecture, coef: CostCoefficients): tf.Tensor2D[] {
  return coef.weights.map((c, l) => tf.tensor2d(c, [arch.widths[l], arch.widths[l + 1]]));
}
