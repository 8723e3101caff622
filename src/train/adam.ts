/**
 * AdamW as PyTorch computes it (BIMT-SPEC "Optimiser"; the paper uses weight decay 0, i.e. Adam):
 *   p *= 1 - lr wd  (decoupled decay, skipped when wd = 0),
 *   m = b1 m + (1 - b1) g,  v = b2 v + (1 - b2) g^2,
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
 * Written here rather than taken from tf.train.adam so that the moments are ours to read, permute
 * (when neurons swap) and checkpoint, and eps sits where PyTorch puts it. `Adam` runs it on tfjs
 * variables, `adamUpdateHost` on typed arrays (the host training path).
 */
import * as tf from '@tensorflow/tfjs';

export interface AdamSettings {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** AdamW's decoupled weight decay; 0 gives Adam. */
  readonly weightDecay: number;
}

/**
 * The update above for one parameter array on the host, in place: p, m and v are float32 state,
 * g the gradient; `t` counts this update (1 for the first).
 */
export function adamUpdateHost(p: Float32Array, g: Float64Array, m: Float32Array, v: Float32Array, s: AdamSettings, t: number): void {
  const { lr, beta1: b1, beta2: b2, eps } = s;
  const stepSize = lr / (1 - b1 ** t);
  const sqrtBc2 = Math.sqrt(1 - b2 ** t);
  const decay = 1 - lr * s.weightDecay;
  for (let k = 0; k < p.length; k++) {
    const gk = g[k];
    m[k] = b1 * m[k] + (1 - b1) * gk;
    v[k] = b2 * v[k] + (1 - b2) * gk * gk;
    // m and v are read back rounded to float32, as the tfjs path stores them.
    p[k] = p[k] * decay - (m[k] / (Math.sqrt(v[k]) / sqrtBc2 + eps)) * stepSize;
  }
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
    const { lr, beta1: b1, beta2: b2, eps } = this.s;
    const stepSize = lr / (1 - b1 ** this.t);
    const sqrtBc2 = Math.sqrt(1 - b2 ** this.t);
    tf.tidy(() => {
      this.vars.forEach((p, i) => {
        const g = grads[i];
        const decayed = this.s.weightDecay > 0 ? tf.mul(p, 1 - lr * this.s.weightDecay) : p;
        const m = tf.add(tf.mul(this.m[i], b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(this.v[i], b2), tf.mul(tf.square(g), 1 - b2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        const denom = tf.add(tf.div(tf.sqrt(v), sqrtBc2), eps);
        p.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), stepSize)));
      });
    });
  }

  /** Host copies of the first and second moments, in the order of `vars`. */
  readMoments(): { m: Float32Array[]; v: Float32Array[] } {
    const read = (xs: tf.Variable[]) => xs.map((x) => (x.dataSync() as Float32Array).slice());
    return { m: read(this.m), v: read(this.v) };
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
