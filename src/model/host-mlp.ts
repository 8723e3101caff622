/**
 * The BioMLP's forward and backward pass on typed arrays, for networks so small that a tfjs step
 * is mostly kernel-dispatch overhead (two moons, the symbolic formulas: a few hundred thousand
 * multiply-adds per step). It computes exactly what `BioModel.forwardSplit` followed by
 * `taskLoss` computes (docs/DESIGN.md, "Model": linear layers, SiLU between them; MSE or mean
 * cross-entropy), with float64 arithmetic over float32 parameters; test/host-mlp.test.ts holds it
 * to tfjs's gradients.
 *
 * Feature inputs only: token inputs (modular addition) are large enough for tfjs to win.
 *
 * Shapes: x [n, N_0] row-major in the ORIGINAL feature order; position j of the input layer reads
 * feature inPerm[j]; output position q produces original output outPerm[q]. Weight layer l is
 * [N_l, N_{l+1}] row-major, as in `Params`.
 */
import type { TargetSpec } from '../tasks/task.js';
import { gemmNT } from './host-gemm.js';
import { modelGraph, weightSpecs, type HostGrads, type MlpArchitecture, type Params } from './model-graph.js';

/** Rows of a feature split, with its targets as the task gives them. */
export interface HostSplit {
  readonly n: number;
  /** [n, N_0] features. */
  readonly x: Float32Array;
  /** [n, dim] values, or [n] class labels. */
  readonly y: Float32Array | Int32Array;
}



/** What a pass over a split reports: the mean loss, and the accuracy for classes. */
/**
 * The loss of class targets (`train.loss`, docs/DESIGN.md, "Model"): mean softmax cross-entropy,
 * or the mean squared error of the outputs against one-hot targets (the MNIST notebook's
 * nn.MSELoss on one_hots[label]: the mean over all n * classes entries). Other targets ignore it.
 */
export type ClassLoss = 'cross-entropy' | 'mse-onehot';

export interface HostLoss {
  readonly loss: number;
  readonly acc: number | null;
  /** Values targets: the mean squared error of each original output. */
  readonly perOutput?: readonly number[];
}

export class HostMlp {
  /**
   * Per neuron layer l, for the rows of the current pass: h[l] activations [rows, N_l] (h[0] the
   * permuted input, h[L] the output positions), hT[l] the same transposed [N_l, rows], s[l] the
   * sigmoid inside SiLU (hidden layers), dz[l] and dzT[l] the loss gradient with respect to the
   * pre-activations. Transposed copies exist so that every product is `gemmNT` on contiguous rows.
   */
  private readonly h: Float64Array[];
  private readonly hT: Float64Array[];
  private readonly s: Float64Array[];
  private readonly dz: Float64Array[];
  private readonly dzT: Float64Array[];
  /** Per weight layer: W as float64 [N_l, N_{l+1}] and transposed [N_{l+1}, N_l]. */
  private readonly w: Float64Array[];
  private readonly wT: Float64Array[];
  /** Tensor names of weight layer l's weight and bias. */
  private readonly names: { readonly w: string; readonly b: string }[];

  /** Work buffers for up to `maxRows` rows at once. */
  constructor(
    readonly arch: MlpArchitecture,
    readonly targets: TargetSpec,
    readonly maxRows: number,
    /** For class targets; values and sequences have their own loss. */
    readonly classLoss: ClassLoss = 'cross-entropy',
  ) {
    if (arch.embedding) throw new Error('HostMlp takes feature inputs only (this network has an embedding)');
    // An MLP's weights in canonical order are its chain, input first.
    this.names = weightSpecs(modelGraph(arch)).map((w) => ({ w: w.name, b: w.bias }));
    const widths = arch.widths;
    const perLayer = () => widths.map((n) => new Float64Array(maxRows * n));
    this.h = perLayer();
    this.hT = perLayer();
    this.s = perLayer();
    this.dz = perLayer();
    this.dzT = perLayer();
    this.w = widths.slice(0, -1).map((n, l) => new Float64Array(n * widths[l + 1]));
    this.wT = widths.slice(0, -1).map((n, l) => new Float64Array(n * widths[l + 1]));
  }

  /**
   * Loss (and accuracy) of `params` on `rows` of `split` (all rows when absent). With `grads`
   * (buffers from `gradsFor`), also writes the loss's gradient there (weights and biases).
   */
  run(params: Params, inPerm: Int32Array, outPerm: Int32Array, split: HostSplit, rows: Int32Array | undefined, grads?: HostGrads): HostLoss {
    const n = rows ? rows.length : split.n;
    if (n > this.maxRows) throw new RangeError(`HostMlp: ${n} rows, buffers hold ${this.maxRows}`);
    this.forward(params, inPerm, split, rows, n);
    const result = this.lossAndOutputGrad(outPerm, split, rows, n, grads !== undefined);
    if (grads) this.backward(n, grads);
    return result;
  }

  private forward(params: Params, inPerm: Int32Array, split: HostSplit, rows: Int32Array | undefined, n: number): void {
    const widths = this.arch.widths;
    const n0 = widths[0];
    const nf = n0 / this.arch.inFold;
    const h0 = this.h[0];
    const h0T = this.hT[0];
    for (let r = 0; r < n; r++) {
      const src = (rows ? rows[r] : r) * n0;
      for (let j = 0; j < n0; j++) {
        const v = split.x[src + j - (j % nf) + inPerm[j % nf]];
        h0[r * n0 + j] = v;
        h0T[j * n + r] = v;
      }
    }
    const L = widths.length - 1;
    for (let l = 0; l < L; l++) {
      const nIn = widths[l];
      const nOut = widths[l + 1];
      const W = params.get(this.names[l].w)!;
      const w = this.w[l];
      const wT = this.wT[l];
      for (let i = 0; i < nIn; i++) {
        for (let o = 0; o < nOut; o++) {
          const v = W[i * nOut + o];
          w[i * nOut + o] = v;
          wT[o * nIn + i] = v;
        }
      }
      const z = this.h[l + 1];
      gemmNT(this.h[l], wT, z, n, nOut, nIn);
      const b = params.get(this.names[l].b)!;
      if (l === L - 1) {
        for (let r = 0; r < n; r++) for (let o = 0; o < nOut; o++) z[r * nOut + o] += b[o];
        break;
      }
      // SiLU in place, keeping the sigmoid for the backward pass and a transposed copy.
      const s = this.s[l + 1];
      const zT = this.hT[l + 1];
      for (let r = 0; r < n; r++) {
        for (let o = 0; o < nOut; o++) {
          const k = r * nOut + o;
          const pre = z[k] + b[o];
          const sig = 1 / (1 + Math.exp(-pre));
          s[k] = sig;
          const v = pre * sig;
          z[k] = v;
          zT[o * n + r] = v;
        }
      }
    }
  }

  /** The mean loss over the rows; with `withGrads`, dz[L] = d loss / d output positions. */
  private lossAndOutputGrad(outPerm: Int32Array, split: HostSplit, rows: Int32Array | undefined, n: number, withGrads: boolean): HostLoss {
    const L = this.arch.widths.length - 1;
    const k = this.arch.widths[L];
    const z = this.h[L];
    const dz = this.dz[L];
    const t = this.targets;
    let total = 0;
    if (t.kind === 'values') {
      // tf.losses.meanSquaredError: the mean over all n * k entries.
      const scale = 2 / (n * k);
      const perOutput = new Array<number>(k).fill(0);
      for (let r = 0; r < n; r++) {
        const yo = (rows ? rows[r] : r) * k;
        for (let q = 0; q < k; q++) {
          const d = z[r * k + q] - split.y[yo + outPerm[q]];
          total += d * d;
          perOutput[outPerm[q]] += d * d;
          if (withGrads) dz[r * k + q] = scale * d;
        }
      }
      return { loss: total / (n * k), acc: null, perOutput: perOutput.map((v) => v / n) };
    }
    // Mean softmax cross-entropy (or one-hot MSE); accuracy by the first largest logit, as tf.argMax picks.
    const mse = this.classLoss === 'mse-onehot';
    let correct = 0;
    for (let r = 0; r < n; r++) {
      const label = split.y[rows ? rows[r] : r];
      const zo = r * k;
      let max = -Infinity;
      let best = -1;
      for (let q = 0; q < k; q++) {
        const v = z[zo + q];
        if (v > max || (v === max && outPerm[q] < outPerm[best])) {
          max = v;
          best = q;
        }
      }
      if (outPerm[best] === label) correct++;
      if (mse) {
        // tf.losses.meanSquaredError against the one-hot row: the mean over all n * k entries.
        for (let q = 0; q < k; q++) {
          const d = z[zo + q] - (outPerm[q] === label ? 1 : 0);
          total += d * d;
          if (withGrads) dz[zo + q] = (2 * d) / (n * k);
        }
        continue;
      }
      let sum = 0;
      for (let q = 0; q < k; q++) sum += Math.exp(z[zo + q] - max);
      const logSum = Math.log(sum) + max;
      let zLabel = 0;
      for (let q = 0; q < k; q++) {
        if (outPerm[q] === label) zLabel = z[zo + q];
        if (withGrads) dz[zo + q] = (Math.exp(z[zo + q] - logSum) - (outPerm[q] === label ? 1 : 0)) / n;
      }
      total += logSum - zLabel;
    }
    return { loss: mse ? total / (n * k) : total / n, acc: correct / n };
  }

  private backward(n: number, grads: HostGrads): void {
    const widths = this.arch.widths;
    const L = widths.length - 1;
    for (let l = L - 1; l >= 0; l--) {
      const nIn = widths[l];
      const nOut = widths[l + 1];
      const dz = this.dz[l + 1];
      const dzT = this.dzT[l + 1];
      for (let r = 0; r < n; r++) for (let o = 0; o < nOut; o++) dzT[o * n + r] = dz[r * nOut + o];
      // dW = h^T dz, db = column sums of dz.
      gemmNT(this.hT[l], dzT, grads.get(this.names[l].w)!, nIn, nOut, n);
      const gb = grads.get(this.names[l].b)!;
      for (let o = 0; o < nOut; o++) {
        let sum = 0;
        for (let r = 0; r < n; r++) sum += dzT[o * n + r];
        gb[o] = sum;
      }
      if (l === 0) break;
      // Through W to layer l's activations (dz W^T), then through SiLU: silu'(z) = s + h (1 - s).
      const dprev = this.dz[l];
      gemmNT(dz, this.w[l], dprev, n, nIn, nOut);
      const s = this.s[l];
      const h = this.h[l];
      for (let k = 0, m = n * nIn; k < m; k++) dprev[k] *= s[k] + h[k] * (1 - s[k]);
    }
  }
}

