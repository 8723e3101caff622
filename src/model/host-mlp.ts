/**
 * The BioMLP's forward and backward pass on typed arrays: for small networks a tfjs step is mostly
 * kernel-dispatch overhead (two moons, the symbolic formulas: a few hundred thousand multiply-adds
 * per step), and for large ones (MNIST: 27 million a step) the products run in the WebAssembly SIMD
 * kernel of simd-gemm.ts, faster than tfjs's wasm backend. It computes exactly what
 * `BioModel.forwardSplit` followed by `taskLoss` computes (docs/design.md, "Model": linear layers,
 * SiLU between them; MSE, mean cross-entropy or one-hot MSE), with float64 arithmetic over float32
 * parameters; test/host-mlp.test.ts holds it to tfjs's gradients. The input permutation, SiLU,
 * the linear layers, softmax cross-entropy and the two MSEs are ops of src/model/ops/
 * (docs/design.md, "Host op library").
 *
 * Training takes feature inputs only: token inputs (modular addition) are large enough for tfjs
 * to win. The forward-only `predict` (what src/model/probe.ts evaluates through) also takes token
 * ids, through the embedding op (ops/embedding.ts), and a probe at every stage
 * (ops/stage-probe.ts; docs/design.md, "Probes").
 *
 * Shapes: x [n, N_0] row-major in the ORIGINAL feature order; position j of the input layer reads
 * feature inPerm[j]; output position q produces original output outPerm[q]. Weight layer l is
 * [N_l, N_{l+1}] row-major, as in `Params`.
 */
import type { TargetSpec } from '../tasks/task.js';
import { embeddingOf, weightSpecs, type HostGrads, type MlpArchitecture, type Params } from './model-graph.js';
import { modelGraph } from './architectures/registry.js';
import { siluBackward, siluForward } from './ops/elementwise.js';
import { embeddingForward } from './ops/embedding.js';
import { allocLinear, linearForward, linearInputGrad, linearParamGrads, loadLinear, type HostKernel, type LinearBuffers } from './ops/linear.js';
import { oneHotSquaredErrorRow, softmaxCrossEntropyRow, squaredErrorRow } from './ops/losses.js';
import { permutedRow } from './ops/permute.js';
import type { StageProbe } from './ops/stage-probe.js';
import { gemmMemory, pad4 } from './simd-gemm.js';

/** Rows of a feature split, with its targets as the task gives them. */
export interface HostSplit {
  readonly n: number;
  /** [n, N_0] features. */
  readonly x: Float32Array;
  /** [n, dim] values, or [n] class labels. */
  readonly y: Float32Array | Int32Array;
}

/**
 * The loss of class targets (`train.loss`, docs/design.md, "Model"): mean softmax cross-entropy,
 * or the mean squared error of the outputs against one-hot targets (the MNIST notebook's
 * nn.MSELoss on one_hots[label]: the mean over all n * classes entries). Other targets ignore it.
 */
export type ClassLoss = 'cross-entropy' | 'mse-onehot';

/** What a pass over a split reports: the mean loss, and the accuracy for classes. */
export interface HostLoss {
  readonly loss: number;
  readonly acc: number | null;
  /** Values targets: the mean squared error of each original output. */
  readonly perOutput?: readonly number[];
}

export class HostMlp {
  /** The kernel's memory: every buffer below is a region of it, at an offset in float64 elements. */
  private readonly mem: Float64Array;
  /** The memory with its kernel and constant rows, for the linear ops (ops/linear.ts). */
  private readonly kernel: HostKernel;
  /** Row length of neuron layer l's buffers: N_l rounded up to the kernel's tile. */
  private readonly ld: number[];
  /**
   * Per neuron layer l, for the rows of the current pass, [rows, ld[l]] row-major: h[l]
   * activations (h[0] the permuted input, h[L] the output positions), s[l] the sigmoid inside
   * SiLU (hidden layers), dz[l] the loss gradient with respect to the pre-activations. The
   * kernel reads any of them transposed through its strides, so no transposed copies exist.
   */
  private readonly h: number[];
  private readonly s: number[];
  private readonly dz: number[];
  /**
   * Per weight layer: W as float64 [N_l, ld[l + 1]] and transposed [N_{l+1}, ld[l]] (the kernel's B
   * is read along rows), no bias (this class adds biases itself, with the activation: ops/linear.ts
   * says why), and its gradient [N_l, ld[l + 1]] before it is copied to `grads`.
   */
  private readonly lins: LinearBuffers[];
  private readonly gw: number[];
  /** The bias gradient's column sums, [4, widest row] (the kernel's tile). */
  private readonly gb: number;
  /** Tensor names of weight layer l's weight and bias. */
  private readonly names: { readonly w: string; readonly b: string }[];
  /** The token embedding's name and row width, for token inputs. */
  private readonly embedding: { readonly name: string; readonly dim: number } | undefined;

  /** Work buffers for up to `maxRows` rows at once. */
  constructor(
    readonly arch: MlpArchitecture,
    readonly targets: TargetSpec,
    readonly maxRows: number,
    /** For class targets; values and sequences have their own loss. */
    readonly classLoss: ClassLoss = 'cross-entropy',
  ) {
    const graph = modelGraph(arch);
    // An MLP's weights in canonical order are its chain, input first.
    this.names = weightSpecs(graph).map((w) => ({ w: w.name, b: w.bias }));
    this.embedding = embeddingOf(graph);
    const widths = arch.widths;
    this.ld = widths.map(pad4);
    let top = 0;
    const alloc = (floats: number) => {
      const at = top;
      top += floats;
      return at;
    };
    const rows = pad4(maxRows);
    const zeros = alloc(Math.max(...this.ld));
    const ones = alloc(rows);
    this.h = this.ld.map((ld) => alloc(rows * ld));
    this.s = this.ld.map((ld, l) => (l === 0 ? -1 : alloc(rows * ld)));
    this.dz = this.ld.map((ld, l) => (l === 0 ? -1 : alloc(rows * ld)));
    const layers = widths.slice(0, -1).map((_, l) => l);
    this.lins = layers.map((l) => allocLinear(alloc, widths[l], widths[l + 1], false));
    this.gw = layers.map((l) => alloc(this.ld[l] * this.ld[l + 1]));
    this.gb = alloc(4 * Math.max(...this.ld));
    const { mem, gemm } = gemmMemory(top);
    mem.fill(1, ones, ones + rows);
    this.mem = mem;
    this.kernel = { mem, gemm, zeros, ones };
  }

  /**
   * Loss (and accuracy) of `params` on `rows` of `split` (all rows when absent). With `grads`
   * (buffers from `gradsFor`), also writes the loss's gradient there (weights and biases).
   */
  run(params: Params, inPerm: Int32Array, outPerm: Int32Array, split: HostSplit, rows: Int32Array | undefined, grads?: HostGrads): HostLoss {
    const n = rows ? rows.length : split.n;
    if (this.embedding) throw new Error('HostMlp trains feature inputs only (this network has an embedding)');
    if (n > this.maxRows) throw new RangeError(`HostMlp: ${n} rows, buffers hold ${this.maxRows}`);
    this.forward(params, inPerm, split.x, rows, n);
    const result = this.lossAndOutputGrad(outPerm, split, rows, n, grads !== undefined);
    if (grads) this.backward(n, grads);
    return result;
  }

  /**
   * The outputs [n, outputs] in ORIGINAL output order of the network on x (features [n, N_0], or
   * token ids [n, inFold] with an embedding), in chunks of maxRows rows, `probe` applied at every
   * stage: 0 the input after the permutation (the embedding's rows for tokens), l each hidden
   * layer after SiLU, L the output positions before un-permuting. The probe's rows are x's.
   */
  predict(params: Params, inPerm: Int32Array, outPerm: Int32Array, x: Float32Array | Int32Array, n: number, probe?: StageProbe): Float64Array {
    const widths = this.arch.widths;
    const k = widths[widths.length - 1];
    const z = this.h[widths.length - 1];
    const ldz = this.ld[widths.length - 1];
    const out = new Float64Array(n * k);
    for (let start = 0; start < n; start += this.maxRows) {
      const count = Math.min(this.maxRows, n - start);
      const rows = Int32Array.from({ length: count }, (_, r) => start + r);
      this.forward(params, inPerm, x, rows, count, probe, start);
      for (let r = 0; r < count; r++) for (let q = 0; q < k; q++) out[(start + r) * k + outPerm[q]] = this.mem[z + r * ldz + q];
    }
    return out;
  }

  /** The pass over `rows` of x (rows 0..n-1 when absent); a probe sees them as rows first.. of its pass. */
  private forward(params: Params, inPerm: Int32Array, x: Float32Array | Int32Array, rows: Int32Array | undefined, n: number, probe?: StageProbe, first = 0): void {
    const { mem, ld } = this;
    const widths = this.arch.widths;
    const n0 = widths[0];
    const nf = n0 / this.arch.inFold;
    const h0 = this.h[0];
    if (this.embedding) {
      embeddingForward(mem, h0, ld[0], x, this.arch.inFold, rows, n, params.get(this.embedding.name)!, this.embedding.dim, inPerm);
    } else {
      // Each fold of the input row through the input permutation.
      for (let r = 0; r < n; r++) {
        const src = (rows ? rows[r] : r) * n0;
        const dst = h0 + r * ld[0];
        for (let f = 0; f < n0; f += nf) permutedRow(mem, dst + f, x, src + f, inPerm);
      }
    }
    probe?.at(0, mem, h0, ld[0], n, first);
    const L = widths.length - 1;
    for (let l = 0; l < L; l++) {
      const nOut = widths[l + 1];
      loadLinear(mem, this.lins[l], params.get(this.names[l].w)!, undefined, true);
      // z = h W, its padding columns zero (W's are).
      const z = this.h[l + 1];
      linearForward(this.kernel, this.lins[l], this.h[l], ld[l], z, ld[l + 1], n);
      const b = params.get(this.names[l].b)!;
      if (l === L - 1) {
        for (let r = 0; r < n; r++) for (let o = 0; o < nOut; o++) mem[z + r * ld[l + 1] + o] += b[o];
        probe?.at(L, mem, z, ld[L], n, first);
        break;
      }
      // SiLU of z + b in place, keeping the sigmoid for the backward pass.
      const s = this.s[l + 1];
      for (let r = 0; r < n; r++) {
        const k = r * ld[l + 1];
        siluForward(mem, z + k, z + k, nOut, mem, s + k, b);
      }
      probe?.at(l + 1, mem, z, ld[l + 1], n, first);
    }
  }

  /** The mean loss over the rows; with `withGrads`, dz[L] = d loss / d output positions. */
  private lossAndOutputGrad(outPerm: Int32Array, split: HostSplit, rows: Int32Array | undefined, n: number, withGrads: boolean): HostLoss {
    const L = this.arch.widths.length - 1;
    const k = this.arch.widths[L];
    const { mem } = this;
    const z = this.h[L];
    const dz = this.dz[L];
    const ld = this.ld[L];
    const t = this.targets;
    let total = 0;
    if (t.kind === 'values') {
      // tf.losses.meanSquaredError: the mean over all n * k entries.
      const scale = 2 / (n * k);
      const perOutput = new Array<number>(k).fill(0);
      for (let r = 0; r < n; r++) {
        total = squaredErrorRow(mem, z + r * ld, k, split.y, (rows ? rows[r] : r) * k, outPerm, total, perOutput, withGrads ? dz + r * ld : -1, scale);
      }
      return { loss: total / (n * k), acc: null, perOutput: perOutput.map((v) => v / n) };
    }
    // Mean softmax cross-entropy (or one-hot MSE); accuracy by the first largest logit, as tf.argMax picks.
    const mse = this.classLoss === 'mse-onehot';
    let correct = 0;
    for (let r = 0; r < n; r++) {
      const label = split.y[rows ? rows[r] : r];
      const zo = r * ld;
      let max = -Infinity;
      let best = -1;
      let at = -1; // the label's output position
      for (let q = 0; q < k; q++) {
        const v = mem[z + zo + q];
        if (v > max || (v === max && outPerm[q] < outPerm[best])) {
          max = v;
          best = q;
        }
        if (outPerm[q] === label) at = q;
      }
      if (outPerm[best] === label) correct++;
      if (mse) {
        // tf.losses.meanSquaredError against the one-hot row: the mean over all n * k entries.
        total = oneHotSquaredErrorRow(mem, z + zo, k, label, outPerm, total, withGrads ? dz + zo : -1, n * k);
        continue;
      }
      total += softmaxCrossEntropyRow(mem, z + zo, k, max, at, withGrads ? dz + zo : -1, n);
    }
    return { loss: mse ? total / (n * k) : total / n, acc: correct / n };
  }

  private backward(n: number, grads: HostGrads): void {
    const { mem, ld } = this;
    const widths = this.arch.widths;
    const L = widths.length - 1;
    for (let l = L - 1; l >= 0; l--) {
      const nIn = widths[l];
      const nOut = widths[l + 1];
      const dz = this.dz[l + 1];
      // dW = h^T dz (h read transposed through the strides), db = column sums of dz.
      const gw = this.gw[l];
      linearParamGrads(this.kernel, this.lins[l], this.h[l], ld[l], dz, ld[l + 1], n, gw, this.gb);
      const gW = grads.get(this.names[l].w)!;
      for (let i = 0; i < nIn; i++) for (let o = 0; o < nOut; o++) gW[i * nOut + o] = mem[gw + i * ld[l + 1] + o];
      const gb = grads.get(this.names[l].b)!;
      for (let o = 0; o < nOut; o++) gb[o] = mem[this.gb + o];
      if (l === 0) break;
      // Through W to layer l's activations (dz W^T), then through SiLU: silu'(z) = s + h (1 - s).
      const dprev = this.dz[l];
      linearInputGrad(this.kernel, this.lins[l], dz, ld[l + 1], dprev, ld[l], n);
      const s = this.s[l];
      const h = this.h[l];
      for (let r = 0; r < n; r++) {
        const k = r * ld[l];
        siluBackward(mem, dprev + k, nIn, h + k, mem, s + k);
      }
    }
  }
}
