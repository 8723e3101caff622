/**
 * The BioMLP on tfjs: variables mirroring a host `Network`, their forward pass (mlp-tfjs.ts's,
 * which the population's batch calls too) with the input/output permutations, and the two-way
 * copy between variables and the host network (docs/design.md, "Model").
 */
import * as tf from '@tensorflow/tfjs';
import type { ParamTensors } from './connection-cost-tfjs.js';
import { inputIndex, mlpForward, outputMatrix } from './mlp-tfjs.js';
import { permutationMatrix } from './ops/tfjs.js';
import { weightSpecs, type MlpArchitecture, type ModelGraph } from './model-graph.js';
import { graphOfKind } from './architectures/registry.js';
import { assignVariables, createVariables, readVariables } from './tf-variables.js';
import type { Network, Params } from './network.js';

/**
 * What the forward pass reads: inputs [n, N_0] float32 features or [n, inFold] int32 token ids,
 * and for token ids each fold's column as `tokenIds` makes it (prepared once per split by
 * src/train/data.ts rather than every step).
 */
export interface ModelInputs {
  readonly x: tf.Tensor2D;
  readonly tokens?: readonly tf.Tensor2D[];
}

/** Token ids [n, folds] int32 -> one [n, 1] column per fold (the embedding lookup's gather indices). */
export function tokenIds(x: tf.Tensor2D): tf.Tensor2D[] {
  return tf.split(x, x.shape[1], 1) as tf.Tensor2D[];
}

export class BioModel {
  readonly arch: MlpArchitecture;
  /** Every tensor of the graph as a variable, by name, in the graph's canonical order. */
  private readonly vars: Map<string, tf.Variable>;
  /** Per weight layer l: its weight [N_l, N_{l+1}] and bias variables. */
  private readonly weights: tf.Variable<tf.Rank.R2>[];
  private readonly biases: tf.Variable<tf.Rank.R1>[];
  private readonly embedding?: tf.Variable<tf.Rank.R2>;
  /**
   * Constant tensors derived from the permutations, rebuilt by `load` after relocation: an index
   * for the feature inputs, and permutation matrices where a gradient must flow through the
   * permutation (outputs, embedding columns). Matrices rather than gathers because gather's
   * gradient (UnsortedSegmentSum) is missing from the wasm backend; at these sizes a matMul
   * costs about the same.
   */
  private inIndex: tf.Tensor1D;
  private inMatrix: tf.Tensor2D | undefined;
  private outMatrix: tf.Tensor2D;

  /** Creates variables holding copies of the parameters; the model keeps no reference to them. */
  constructor(
    readonly graph: ModelGraph<MlpArchitecture>,
    params: Params,
    inPerm: Int32Array,
    outPerm: Int32Array,
  ) {
    this.arch = graph.arch;
    this.vars = createVariables(graph, params);
    // An MLP's weights in canonical order are its chain, input first.
    const linears = weightSpecs(graph);
    this.weights = linears.map((w) => this.vars.get(w.name) as tf.Variable<tf.Rank.R2>);
    this.biases = linears.map((w) => this.vars.get(w.bias) as tf.Variable<tf.Rank.R1>);
    this.embedding = this.vars.get('embedding') as tf.Variable<tf.Rank.R2> | undefined;
    [this.inIndex, this.inMatrix, this.outMatrix] = this.permutationTensors(inPerm, outPerm);
  }

  static fromNetwork(net: Network): BioModel {
    const graph = graphOfKind(net.graph, 'mlp');
    if (!graph) throw new Error('BioModel is the MLP; a transformer has its own forward pass');
    return new BioModel(graph, net.params, net.inPerm, net.outPerm);
  }

  /** Trainable variables in the graph's canonical order. */
  variables(): tf.Variable[] {
    return [...this.vars.values()];
  }

  tensors(): ParamTensors {
    return this.vars;
  }

  /**
   * Forward pass: features [n, N_0] float32, or token ids [n, inFold] int32 when the network has
   * an embedding. Returns [n, N_L] with outputs in their ORIGINAL order (output r is read from the
   * position holding it), so losses and metrics never see the permutation.
   */
  forward(x: tf.Tensor2D): tf.Tensor2D {
    // Not for use under a gradient: the token ids made here are gone before a backward pass.
    if (!this.embedding) return this.forwardSplit({ x });
    const tokens = tokenIds(x);
    try {
      return this.forwardSplit({ x, tokens });
    } finally {
      tf.dispose(tokens);
    }
  }

  /** The forward pass of uploaded inputs (an uploaded split: token ids prepared once). */
  forwardSplit(s: ModelInputs): tf.Tensor2D {
    return tf.tidy(() =>
      mlpForward(
        { weights: this.weights, biases: this.biases, outMatrix: this.outMatrix },
        this.embedding
          ? { kind: 'tokens', tokens: s.tokens!, embedding: this.embedding, inMatrix: this.inMatrix! }
          : { kind: 'features', x: s.x, inIndex: this.inIndex },
      ),
    );
  }

  /** Copies the variables into host arrays shaped like `Params`. */
  readParams(): Promise<Params> {
    return readVariables(this.vars);
  }

  /** Writes host parameters and permutations back into the variables (after relocation or resume). */
  load(params: Params, inPerm: Int32Array, outPerm: Int32Array): void {
    this.setParams(params);
    this.disposePermutations();
    [this.inIndex, this.inMatrix, this.outMatrix] = this.permutationTensors(inPerm, outPerm);
  }

  /** Writes host parameters into the variables, permutations unchanged. */
  setParams(params: Params): void {
    assignVariables(this.vars, params);
  }

  /**
   * inIndex[f * Nf + j] = f * Nf + inPerm[j] (feature inputs); inMatrix[inPerm[j], j] = 1
   * (embedding columns); outMatrix[q, r] = 1 where position q holds original output r.
   */
  private permutationTensors(inPerm: Int32Array, outPerm: Int32Array): [tf.Tensor1D, tf.Tensor2D | undefined, tf.Tensor2D] {
    const inMatrix = this.arch.embedding ? permutationMatrix(inPerm, (j) => [inPerm[j], j]) : undefined;
    return [tf.tensor1d(inputIndex(this.arch, inPerm), 'int32'), inMatrix, outputMatrix(outPerm)];
  }

  private disposePermutations(): void {
    tf.dispose([this.inIndex, this.outMatrix, ...(this.inMatrix ? [this.inMatrix] : [])]);
  }

  dispose(): void {
    tf.dispose(this.variables());
    this.disposePermutations();
  }
}
