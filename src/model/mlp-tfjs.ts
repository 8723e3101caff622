/**
 * The BioMLP's forward pass on tfjs, written once for one network (BioModel) and for K networks
 * trained as one batch (src/train/population-engine.ts; docs/design.md, "Populations"): linear
 * layers with SiLU after every layer but the last (docs/design.md, "Model"). The input
 * permutation picks one network's input columns, and goes into K networks' first weights; the
 * output permutation goes into the last layer's (small) weights rather than onto the (large)
 * activations: W P and b P, exact since P is a 0/1 permutation matrix.
 *
 *     one network:  x [n, N_0],    W_l [N_l, N_{l+1}],    b_l [N_{l+1}]     -> [n, N_L]
 *     K networks:   x [K, n, N_0], W_l [K, N_l, N_{l+1}], b_l [K, N_{l+1}]  -> [K, n, N_L]
 */
import * as tf from '@tensorflow/tfjs';
import { embeddedLinear, linear, matMul, permutationMatrix, silu } from './ops/tfjs.js';
import { inputPositions } from './network.js';
import type { MlpArchitecture } from './model-graph.js';

/** One network's tensors (`W` = tf.Tensor2D) or K networks' with a leading model axis (`W` = tf.Tensor3D). */
export interface MlpTensors<W extends tf.Tensor2D | tf.Tensor3D> {
  /** Per weight layer l, W_l: [N_l, N_{l+1}], or [K, N_l, N_{l+1}]. */
  readonly weights: readonly W[];
  /** Per weight layer l, b_l: [N_{l+1}], or [K, N_{l+1}]. */
  readonly biases: readonly (W extends tf.Tensor3D ? tf.Tensor2D : tf.Tensor1D)[];
  /** outMatrix[q, r] = 1 where output position q holds original output r: [N_L, N_L], or [K, N_L, N_L]. */
  readonly outMatrix: W;
}

/**
 * One network's feature inputs x [n, N_0] and the input permutation as column indices
 * inIndex [N_0] (see `inputIndex`). The inputs are data, so no gradient flows through the gather.
 */
export interface FeatureInputs {
  readonly kind: 'features';
  readonly x: tf.Tensor2D;
  readonly inIndex: tf.Tensor1D;
}

/**
 * K networks' feature inputs x [K, n, N_0] and their input permutations as matrices
 * inMatrix [K, N_0, N_0] (member k's inMatrix[inIndex_k[j], j] = 1), which go into the first
 * weights, x (P W_0): tfjs 4.22's gather with a batch axis (tf.gather(x, [K, N_0] indices, 2, 1))
 * picks wrong columns on wasm, and P W_0 [K, N_0, N_1] is small. P W_0 is an exact row
 * permutation of W_0; only the order of x W_0's sums differs from one network's.
 */
export interface StackedFeatureInputs {
  readonly kind: 'stacked features';
  readonly x: tf.Tensor3D;
  readonly inMatrix: tf.Tensor3D;
}

/**
 * Token ids (one network): one [n, 1] int32 column per fold, the embedding E [vocab, dim] and the
 * input permutation as a matrix inMatrix [dim, dim] (a gradient flows through E P).
 */
export interface TokenInputs {
  readonly kind: 'tokens';
  readonly tokens: readonly tf.Tensor2D[];
  readonly embedding: tf.Tensor2D;
  readonly inMatrix: tf.Tensor2D;
}

/** The outputs [n, N_L] (or [K, n, N_L]) in their ORIGINAL order: losses and metrics never see the permutation. */
export function mlpForward(p: MlpTensors<tf.Tensor2D>, inputs: FeatureInputs | TokenInputs): tf.Tensor2D;
export function mlpForward(p: MlpTensors<tf.Tensor3D>, inputs: StackedFeatureInputs): tf.Tensor3D;
export function mlpForward(p: MlpTensors<tf.Tensor2D> | MlpTensors<tf.Tensor3D>, inputs: FeatureInputs | StackedFeatureInputs | TokenInputs): tf.Tensor {
  const L = p.weights.length;
  let h = firstLayer(inputs, ...layer(p, 0));
  for (let l = 1; l < L; l++) h = anyLinear(silu(h), ...layer(p, l));
  return h;
}

/** ops/tfjs.ts's `linear` of one network's tensors or of K networks' (the overloads above pair them). */
const anyLinear = linear as (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/** a b for one network's matrices (`matMul`, its gradient written for wasm) or K networks' ([K, m, k] x [K, k, n], batched). */
function anyMatMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return a.rank === 2 ? matMul(a as tf.Tensor2D, b as tf.Tensor2D) : tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D);
}

/** Layer 0's pre-activations [n, N_1] (or [K, n, N_1]) from the inputs. */
function firstLayer(inputs: FeatureInputs | StackedFeatureInputs | TokenInputs, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (inputs.kind === 'features') return linear(tf.gather(inputs.x, inputs.inIndex, 1), w as tf.Tensor2D, b as tf.Tensor1D);
  if (inputs.kind === 'stacked features') return linear(inputs.x, tf.matMul(inputs.inMatrix, w as tf.Tensor3D), b as tf.Tensor2D);
  // Position j of fold f reads dimension inPerm[j] of token f's embedding, i.e. the inputs are
  // the folds' rows of E P side by side; embeddedLinear multiplies them into W0 without
  // materialising them.
  return embeddedLinear(inputs.tokens, inputs.embedding, inputs.inMatrix, w as tf.Tensor2D, b as tf.Tensor1D);
}

/** Weights and bias of layer l as the forward pass uses them: the last layer's times the output permutation. */
function layer(p: MlpTensors<tf.Tensor2D> | MlpTensors<tf.Tensor3D>, l: number): [tf.Tensor, tf.Tensor] {
  const w: tf.Tensor = p.weights[l]!;
  const b: tf.Tensor = p.biases[l]!;
  if (l < p.weights.length - 1) return [w, b];
  // b as a row [1, N_L] (K rows [K, 1, N_L]) times the permutation, then back to b's shape.
  const row = tf.reshape(b, [...b.shape.slice(0, -1), 1, -1]);
  return [anyMatMul(w, p.outMatrix), tf.reshape(anyMatMul(row, p.outMatrix), b.shape)];
}

/** inIndex[f * Nf + j] = f * Nf + inPerm[j]: the feature column that input position f * Nf + j reads. */
export function inputIndex(arch: MlpArchitecture, inPerm: Int32Array): Int32Array {
  const nf = inputPositions(arch);
  return Int32Array.from({ length: arch.widths[0]! }, (_, n) => Math.floor(n / nf) * nf + inPerm[n % nf]!);
}

/** inMatrix[inIndex[j], j] = 1, [N_0, N_0]: x inMatrix is x's columns in the order `inIndex` reads them. */
export function inputMatrix(inIndex: Int32Array): tf.Tensor2D {
  return permutationMatrix(inIndex, (j) => [inIndex[j]!, j]);
}

/** outMatrix[q, r] = 1 where position q holds original output r, [N_L, N_L]. */
export function outputMatrix(outPerm: Int32Array): tf.Tensor2D {
  return permutationMatrix(outPerm, (q) => [q, outPerm[q]!]);
}
