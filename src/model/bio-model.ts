/**
 * The BioMLP on tfjs: variables mirroring a host `Network`, a forward pass that applies the
 * input/output permutations, and the two-way copy between variables and the host network.
 * Linear layers with SiLU after every layer but the last (BIMT-SPEC "Model").
 */
import * as tf from '@tensorflow/tfjs';
import type { ParamTensors } from './connection-cost.js';
import { inputPositions, type Architecture, type Network, type Params } from './network.js';

export class BioModel {
  readonly weights: tf.Variable<tf.Rank.R2>[];
  readonly biases: tf.Variable<tf.Rank.R1>[];
  readonly embedding?: tf.Variable<tf.Rank.R2>;
  /** Index tensors derived from the permutations; rebuilt by `load` after relocation. */
  private inIndex: tf.Tensor1D;
  private outIndex: tf.Tensor1D;

  /** Creates variables holding copies of the parameters; the model keeps no reference to them. */
  constructor(
    readonly arch: Architecture,
    params: Params,
    inPerm: Int32Array,
    outPerm: Int32Array,
  ) {
    const { widths } = arch;
    this.weights = params.weights.map((w, l) => tf.variable(tf.tensor2d(w, [widths[l], widths[l + 1]])));
    this.biases = params.biases.map((b, l) => tf.variable(tf.tensor1d(b)));
    if (arch.embedding) {
      const { vocab, dim } = arch.embedding;
      this.embedding = tf.variable(tf.tensor2d(params.embedding!, [vocab, dim]));
    }
    [this.inIndex, this.outIndex] = this.indexTensors(inPerm, outPerm);
  }

  static fromNetwork(net: Network): BioModel {
    return new BioModel(net.arch, net.params, net.inPerm, net.outPerm);
  }

  /** Trainable variables in a fixed order: weights, biases, embedding. */
  variables(): tf.Variable[] {
    return [...this.weights, ...this.biases, ...(this.embedding ? [this.embedding] : [])];
  }

  tensors(): ParamTensors {
    return { weights: this.weights, biases: this.biases, ...(this.embedding ? { embedding: this.embedding } : {}) };
  }

  /**
   * Forward pass: features [n, N_0] float32, or token ids [n, inFold] int32 when the network has
   * an embedding. Returns [n, N_L] with outputs in their ORIGINAL order (output r is read from the
   * position holding it), so losses and metrics never see the permutation.
   */
  forward(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      let h = this.inputLayer(x);
      const L = this.weights.length;
      for (let l = 0; l < L; l++) {
        h = tf.add(tf.matMul(h, this.weights[l]), this.biases[l]);
        if (l < L - 1) h = tf.mul(h, tf.sigmoid(h)); // SiLU
      }
      return tf.gather(h, this.outIndex, 1);
    });
  }

  private inputLayer(x: tf.Tensor2D): tf.Tensor2D {
    const { arch } = this;
    if (!this.embedding) return tf.gather(x, this.inIndex, 1);
    // Position j of fold f reads dimension inPerm[j] of token f's embedding: permute the
    // embedding's columns once, look up every token, and lay the folds side by side.
    const permuted = tf.gather(this.embedding, this.inIndex, 1);
    const looked = tf.gather(permuted, tf.cast(x, 'int32'));
    return tf.reshape(looked, [x.shape[0], arch.widths[0]]);
  }

  /** Copies the variables into host arrays shaped like `Params`. */
  readParams(): Params {
    return {
      weights: this.weights.map((w) => w.dataSync() as Float32Array).map((a) => a.slice()),
      biases: this.biases.map((b) => (b.dataSync() as Float32Array).slice()),
      ...(this.embedding ? { embedding: (this.embedding.dataSync() as Float32Array).slice() } : {}),
    };
  }

  /** Writes host parameters and permutations back into the variables (after relocation or resume). */
  load(params: Params, inPerm: Int32Array, outPerm: Int32Array): void {
    const { widths } = this.arch;
    tf.tidy(() => {
      params.weights.forEach((w, l) => this.weights[l].assign(tf.tensor2d(w, [widths[l], widths[l + 1]])));
      params.biases.forEach((b, l) => this.biases[l].assign(tf.tensor1d(b)));
      if (this.embedding && params.embedding) this.embedding.assign(tf.tensor2d(params.embedding, this.embedding.shape));
    });
    tf.dispose([this.inIndex, this.outIndex]);
    [this.inIndex, this.outIndex] = this.indexTensors(inPerm, outPerm);
  }

  /**
   * inIndex[f * Nf + j] = f * Nf + inPerm[j] for feature inputs (the embedding case uses inPerm
   * directly); outIndex[r] = the position holding original output r (the inverse of outPerm).
   */
  private indexTensors(inPerm: Int32Array, outPerm: Int32Array): [tf.Tensor1D, tf.Tensor1D] {
    const { arch } = this;
    const nf = inputPositions(arch);
    const inIdx = arch.embedding
      ? Int32Array.from(inPerm)
      : Int32Array.from({ length: arch.widths[0] }, (_, n) => Math.floor(n / nf) * nf + inPerm[n % nf]);
    const outIdx = new Int32Array(outPerm.length);
    outPerm.forEach((orig, q) => (outIdx[orig] = q));
    return [tf.tensor1d(inIdx, 'int32'), tf.tensor1d(outIdx, 'int32')];
  }

  dispose(): void {
    tf.dispose([...this.variables(), this.inIndex, this.outIndex]);
  }
}

/** Arrays in the order of `BioModel.variables()` (weights, biases, embedding) viewed as Params. */
export function paramsFromList(arch: Architecture, list: readonly Float32Array[]): Params {
  const L = arch.widths.length - 1;
  return {
    weights: list.slice(0, L),
    biases: list.slice(L, 2 * L),
    ...(arch.embedding ? { embedding: list[2 * L] } : {}),
  };
}

/** The inverse of `paramsFromList`. */
export function listFromParams(p: Params): Float32Array[] {
  return [...p.weights, ...p.biases, ...(p.embedding ? [p.embedding] : [])];
}
