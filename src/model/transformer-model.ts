/**
 * The BioTransformer on tfjs: a variable for every tensor of its model graph and the forward
 * pass of transformer-tfjs.ts, behind the TfModel interface the tfjs engines use (tf-model.ts).
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelInputs } from './bio-model.js';
import type { ParamTensors } from './connection-cost-tfjs.js';
import type { ModelGraph, TransformerArchitecture } from './model-graph.js';
import type { Params } from './network.js';
import { assignVariables, createVariables, readVariables } from './tf-variables.js';
import { transformerForward } from './transformer-tfjs.js';

export class TransformerModel {
  readonly arch: TransformerArchitecture;
  private readonly vars: Map<string, tf.Variable>;
  private inPerm: Int32Array;
  private outPerm: Int32Array;

  constructor(
    readonly graph: ModelGraph<TransformerArchitecture>,
    params: Params,
    inPerm: Int32Array,
    outPerm: Int32Array,
  ) {
    this.arch = graph.arch;
    this.vars = createVariables(graph, params);
    this.inPerm = inPerm.slice();
    this.outPerm = outPerm.slice();
  }

  variables(): tf.Variable[] {
    return [...this.vars.values()];
  }

  tensors(): ParamTensors {
    return this.vars;
  }

  /** x [n, seqLen * inDim] -> [n, seqLen * outDim], outputs in their original order. */
  forwardSplit(s: ModelInputs): tf.Tensor2D {
    return transformerForward(this.vars, this.arch, this.inPerm, this.outPerm, s.x);
  }

  readParams(): Promise<Params> {
    return readVariables(this.vars);
  }

  load(params: Params, inPerm: Int32Array, outPerm: Int32Array): void {
    this.setParams(params);
    this.inPerm = inPerm.slice();
    this.outPerm = outPerm.slice();
  }

  setParams(params: Params): void {
    assignVariables(this.vars, params);
  }

  dispose(): void {
    tf.dispose(this.variables());
  }
}
