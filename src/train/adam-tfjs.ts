/** The update of adam.ts on tfjs variables, for the tfjs engine: moments are variables too. */
import * as tf from '@tensorflow/tfjs';
import type { AdamSettings } from '../config/plan.js';
import { readTensors } from '../model/tf-variables.js';

/**
 * The numbers of update t: numbers for one network, or tensors that broadcast one value per member
 * over a population's leading axis (src/train/population-engine.ts).
 */
export interface AdamCoefficients<C = number> {
  readonly beta1: C;
  readonly oneMinusBeta1: C;
  readonly beta2: C;
  readonly oneMinusBeta2: C;
  /** AdamW's factor 1 - lr * weight_decay; absent for Adam. */
  readonly decay: C | undefined;
  readonly sqrtBiasCorrection2: C;
  readonly eps: C;
  readonly stepSize: C;
}

/** Update t's coefficients (t counts from 1). */
export function adamCoefficients(s: AdamSettings, t: number): AdamCoefficients {
  return {
    beta1: s.beta1,
    oneMinusBeta1: 1 - s.beta1,
    beta2: s.beta2,
    oneMinusBeta2: 1 - s.beta2,
    decay: s.weightDecay > 0 ? 1 - s.lr * s.weightDecay : undefined,
    sqrtBiasCorrection2: Math.sqrt(1 - s.beta2 ** t),
    eps: s.eps,
    stepSize: s.lr / (1 - s.beta1 ** t),
  };
}

/** One Adam update of parameter p with gradient g and moments m, v (call inside tf.tidy). */
export function adamUpdate(p: tf.Variable, g: tf.Tensor, m: tf.Variable, v: tf.Variable, c: AdamCoefficients<number | tf.Tensor>): void {
  const decayed = c.decay === undefined ? p : tf.mul(p, c.decay);
  const mNew = tf.add(tf.mul(m, c.beta1), tf.mul(g, c.oneMinusBeta1));
  const vNew = tf.add(tf.mul(v, c.beta2), tf.mul(tf.square(g), c.oneMinusBeta2));
  m.assign(mNew);
  v.assign(vNew);
  const denom = tf.add(tf.div(tf.sqrt(vNew), c.sqrtBiasCorrection2), c.eps);
  p.assign(tf.sub(decayed, tf.mul(tf.div(mNew, denom), c.stepSize)));
}

export class Adam {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  /** Number of updates applied so far (PyTorch's `step`). */
  t = 0;

  constructor(
    private readonly vars: readonly tf.Variable[],
    private readonly s: AdamSettings,
  ) {
    // Inside tidy so the zero tensors the variables are made from do not stay registered.
    this.m = tf.tidy(() => vars.map((x) => tf.variable(tf.zerosLike(x), false)));
    this.v = tf.tidy(() => vars.map((x) => tf.variable(tf.zerosLike(x), false)));
  }

  /** One update from gradients given in the order of `vars`. */
  apply(grads: readonly tf.Tensor[]): void {
    this.t++;
    const c = adamCoefficients(this.s, this.t);
    tf.tidy(() => this.vars.forEach((p, i) => adamUpdate(p, grads[i]!, this.m[i]!, this.v[i]!, c)));
  }

  /** Host copies of the first and second moments, in the order of `vars`. */
  async readMoments(): Promise<{ m: Float32Array[]; v: Float32Array[] }> {
    const [m, v] = await Promise.all([readTensors(this.m), readTensors(this.v)]);
    return { m, v };
  }

  loadMoments(m: readonly Float32Array[], v: readonly Float32Array[]): void {
    tf.tidy(() => {
      this.m.forEach((x, i) => x.assign(tf.tensor(m[i], x.shape)));
      this.v.forEach((x, i) => x.assign(tf.tensor(v[i], x.shape)));
    });
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v]);
  }
}
