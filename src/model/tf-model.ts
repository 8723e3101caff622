/**
 * What the tfjs engines ask of a network on tfjs, whatever its architecture: variables for every
 * tensor of the model graph (in its canonical order), a forward pass of an uploaded split, and the
 * two-way copy between the variables and the host network. BioModel (the MLP) and
 * TransformerModel implement it; `tfModelFor` picks by the graph's architecture (TF_MODELS).
 */
import type * as tf from '@tensorflow/tfjs';
import { BioModel, type ModelInputs } from './bio-model.js';
import type { ParamTensors } from './connection-cost-tfjs.js';
import type { ModelGraph } from './model-graph.js';
import { forGraph, type PerKind } from './architectures/registry.js';
import type { Network, Params } from './network.js';
import { TransformerModel } from './transformer-model.js';

export interface TfModel {
  readonly graph: ModelGraph;
  /** Trainable variables in the graph's canonical order. */
  variables(): tf.Variable[];
  /** The variables by tensor name (what the connection cost reads). */
  tensors(): ParamTensors;
  /** Predictions [n, outputs] of uploaded inputs, outputs in their ORIGINAL order (sequences flattened). */
  forwardSplit(s: ModelInputs): tf.Tensor2D;
  /** Copies of the variables as host arrays (read asynchronously, as webgpu must). */
  readParams(): Promise<Params>;
  /** Writes host parameters and permutations back into the variables (after relocation or resume). */
  load(params: Params, inPerm: Int32Array, outPerm: Int32Array): void;
  /** Writes host parameters into the variables, permutations unchanged. */
  setParams(params: Params): void;
  dispose(): void;
}

/**
 * Each architecture's tfjs model (docs/design.md, "Architecture registry"): kept here rather than
 * in its definition, so that only code that runs tfjs loads it.
 */
const TF_MODELS: PerKind<(params: Params, inPerm: Int32Array, outPerm: Int32Array) => TfModel> = {
  mlp: (graph) => (params, inPerm, outPerm) => new BioModel(graph, params, inPerm, outPerm),
  transformer: (graph) => (params, inPerm, outPerm) => new TransformerModel(graph, params, inPerm, outPerm),
};

/** The tfjs model of a network's architecture, holding copies of its parameters. */
export function tfModelFor(graph: ModelGraph, params: Params, inPerm: Int32Array, outPerm: Int32Array): TfModel {
  return forGraph(graph, TF_MODELS)(params, inPerm, outPerm);
}

export function tfModelOf(net: Network): TfModel {
  return tfModelFor(net.graph, net.params, net.inPerm, net.outPerm);
}
