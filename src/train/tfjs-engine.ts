/**
 * The tfjs training engine: `BioModel`'s variables, `Adam` and the task's data on the selected
 * backend; one step is task loss + lambda * connection cost differentiated by tfjs.
 */
import * as tf from '@tensorflow/tfjs';
import { tfModelOf, type TfModel } from '../model/tf-model.js';
import type { CostCoefficients } from '../model/connection-cost.js';
import { connectionCostTensor, uploadCoefficients } from '../model/connection-cost-tfjs.js';
import { listFromParams, paramsFromList, type Params } from '../model/network.js';
import type { OptimizerState } from '../runs/checkpoint.js';
import type { TargetSpec } from '../tasks/task.js';
import type { ClassLoss } from '../model/host-mlp.js';
import { Adam } from './adam-tfjs.js';
import { disposeData, disposeSplit, takeRows, uploadData, type DataTensors, type SplitTensors } from './data.js';
import type { EngineSetup, TrainingEngine } from './engine.js';
import type { TaskEvaluation } from './evaluate.js';
import { evaluate, taskLoss } from './evaluate.js';

export class TfjsEngine implements TrainingEngine {
  readonly name = 'tfjs';
  private readonly model: TfModel;
  private readonly vars: tf.Variable[];
  private readonly adam: Adam;
  private readonly data: DataTensors;
  /** What `evaluate` reports on: `data`, or output.eval_rows' subsets uploaded beside it. */
  private readonly evalData: DataTensors;
  private readonly costTensors: Map<string, tf.Tensor>;
  private readonly costCoef: CostCoefficients;
  private readonly targets: TargetSpec;
  private readonly classLoss: ClassLoss;

  constructor(setup: EngineSetup) {
    const { net, task } = setup;
    this.targets = task.targets;
    this.classLoss = setup.classLoss;
    this.costCoef = setup.costCoef;
    this.costTensors = uploadCoefficients(net.graph, setup.costCoef);
    this.data = uploadData(task);
    this.evalData = !setup.evalTask || setup.evalTask === task ? this.data : uploadData(setup.evalTask);
    this.model = tfModelOf(net);
    this.vars = this.model.variables();
    this.adam = new Adam(this.vars, setup.adam);
    if (setup.optimizer) {
      this.adam.loadMoments(listFromParams(net.graph, setup.optimizer.m), listFromParams(net.graph, setup.optimizer.v));
      this.adam.t = setup.optimizer.t;
    }
  }

  get updates(): number {
    return this.adam.t;
  }

  async step(lambda: number, withBias: boolean, rows?: Int32Array): Promise<void> {
    const batch = rows ? batchOf(this.data.train, rows) : this.data.train;
    const { value, grads } = tf.variableGrads(() => {
      const loss = taskLoss(this.targets, this.model.forwardSplit(batch), batch, this.classLoss);
      if (lambda === 0) return loss;
      const cost = connectionCostTensor(this.model.tensors(), this.costCoef, this.costTensors, withBias);
      return tf.add(loss, tf.mul(cost, lambda));
    }, this.vars);
    // A tensor the loss does not read (LayerNorms that are off) has no gradient: zero, as PyTorch's
    // Adam leaves a parameter without one in place.
    const zeros = this.vars.filter((v) => !grads[v.name]).map((v) => tf.zerosLike(v));
    let z = 0;
    this.adam.apply(this.vars.map((v) => grads[v.name] ?? zeros[z++]!));
    tf.dispose([value, ...Object.values(grads), ...zeros]);
    if (batch !== this.data.train) disposeSplit(batch);
  }

  readParams(): Promise<Params> {
    return this.model.readParams();
  }

  load(params: Params, inPerm: Int32Array, outPerm: Int32Array): void {
    this.model.load(params, inPerm, outPerm);
  }

  async readOptimizer(): Promise<OptimizerState> {
    const { m, v } = await this.adam.readMoments();
    const { graph } = this.model;
    return { m: paramsFromList(graph, m), v: paramsFromList(graph, v), t: this.adam.t };
  }

  loadMoments(m: Params, v: Params): void {
    const { graph } = this.model;
    this.adam.loadMoments(listFromParams(graph, m), listFromParams(graph, v));
  }

  async evaluate(): Promise<TaskEvaluation> {
    return evaluate(this.model, this.targets, this.evalData, this.classLoss);
  }

  dispose(): void {
    this.model.dispose();
    this.adam.dispose();
    disposeData(this.data);
    if (this.evalData !== this.data) disposeData(this.evalData);
    tf.dispose([...this.costTensors.values()]);
  }
}

function batchOf(train: SplitTensors, idx: Int32Array): SplitTensors {
  const t = tf.tensor1d(idx, 'int32');
  const batch = takeRows(train, t);
  t.dispose();
  return batch;
}
