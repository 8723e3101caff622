/** The update of adam.ts on tfjs variables, for the tfjs engine: moments are variables too. */
import * as tf from '@tensorflow/tfjs';
import type { AdamSettings } from '../config/plan.js';
import { readTensors } from '../model/tf-variables.js';

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
