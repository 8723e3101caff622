/**
 * AdamW as PyTorch computes it (docs/design.md, "Optimizer and training loop"; the paper uses weight decay 0, i.e. Adam):
 *   p *= 1 - lr wd  (decoupled decay, skipped when wd = 0),
 *   m = b1 m + (1 - b1) g,  v = b2 v + (1 - b2) g^2,
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
 * Written here rather than taken from tf.train.adam so that the moments are ours to read, permute
 * (when neurons swap) and checkpoint, and eps sits where PyTorch puts it. `adamUpdateHost` runs it
 * on typed arrays (the host and workers engines); `Adam` (adam-tfjs.ts) on tfjs variables. The
 * settings come from the training plan (src/config/plan.ts).
 */
import type { AdamSettings } from '../config/plan.js';

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
