/**
 * The engine whose optimizer runs on the host: parameters and Adam's moments are float32 typed
 * arrays (the same state the tfjs engine keeps, so checkpoints and resumes have one form), and a
 * step is a `GradientSource`'s task-loss gradient, plus the connection cost's
 * (`addCostGradient`), then `adamUpdateHost` on every array. The gradient comes from plain loops
 * (`MlpGradients`, the host engine) or from tfjs on worker threads (the workers engine).
 */
import { addCostGradient, type CostCoefficients } from '../model/connection-cost.js';
import { HostMlp, type HostSplit } from '../model/host-mlp.js';
import { gradsFor, type HostGrads, type MlpArchitecture, type ModelGraph } from '../model/model-graph.js';
import { cloneParams, zeroParams, type Params } from '../model/network.js';
import type { OptimizerState } from '../runs/checkpoint.js';
import type { TaskInstance } from '../tasks/task.js';
import type { AdamSettings } from '../config/plan.js';
import { adamUpdateHost } from './adam.js';
import type { EngineName, EngineSetup, GradientSource, TrainingEngine } from './engine.js';
import type { Evaluation } from '../tasks/task.js';

export class HostEngine implements TrainingEngine {
  private params: Params;
  private m: Params;
  private v: Params;
  private t: number;
  private readonly grads: HostGrads;
  private readonly costCoef: CostCoefficients;
  private readonly adam: AdamSettings;

  constructor(
    readonly name: EngineName,
    setup: EngineSetup,
    private readonly source: GradientSource,
  ) {
    const { net } = setup;
    this.params = cloneParams(net.params);
    this.m = setup.optimizer ? cloneParams(setup.optimizer.m) : zeroParams(net.graph);
    this.v = setup.optimizer ? cloneParams(setup.optimizer.v) : zeroParams(net.graph);
    this.t = setup.optimizer?.t ?? 0;
    this.grads = gradsFor(net.graph);
    this.costCoef = setup.costCoef;
    this.adam = setup.adam;
  }

  get updates(): number {
    return this.t;
  }

  async step(lambda: number, withBias: boolean, rows?: Int32Array): Promise<void> {
    const { params, grads, m, v } = this;
    await this.source.gradient(params, rows, grads);
    if (lambda !== 0) addCostGradient(params, this.costCoef, withBias, lambda, grads);
    this.t++;
    for (const [name, p] of params) adamUpdateHost(p, grads.get(name)!, m.get(name)!, v.get(name)!, this.adam, this.t);
  }

  async readParams(): Promise<Params> {
    return cloneParams(this.params);
  }

  load(params: Params, inPerm: Int32Array, outPerm: Int32Array): void {
    this.params = cloneParams(params);
    this.source.setPermutations(inPerm, outPerm);
  }

  async readOptimizer(): Promise<OptimizerState> {
    return { m: cloneParams(this.m), v: cloneParams(this.v), t: this.t };
  }

  loadMoments(m: Params, v: Params): void {
    this.m = cloneParams(m);
    this.v = cloneParams(v);
  }

  evaluate(): Promise<Evaluation> {
    return this.source.evaluate(this.params);
  }

  dispose(): void {
    this.source.dispose();
  }
}

/**
 * Rows evaluated at once: a metrics row over a large split (MNIST's 8000 training digits,
 * Fashion-MNIST's 60,000) runs in chunks, so the work buffers stay the size of a batch.
 */
export const EVAL_CHUNK_ROWS = 1024;

/** Gradients from `HostMlp`: feature inputs, everything in this thread. */
export class MlpGradients implements GradientSource {
  private readonly mlp: HostMlp;
  private readonly train: HostSplit;
  /** What `evaluate` reports on: the training split or its output.eval_rows subset, and the test split's. */
  private readonly evalTrain: HostSplit;
  private readonly test: HostSplit;
  private inPerm: Int32Array;
  private outPerm: Int32Array;

  /** `graph` is the setup's network's graph, narrowed to an MLP's (create-engine.ts). */
  constructor(setup: EngineSetup, graph: ModelGraph<MlpArchitecture>) {
    const { net, task } = setup;
    const evalTask = setup.evalTask ?? task;
    this.train = featureSplit(task, 'train');
    this.evalTrain = evalTask === task ? this.train : featureSplit(evalTask, 'train');
    this.test = featureSplit(evalTask, 'test');
    const evalRows = Math.min(EVAL_CHUNK_ROWS, Math.max(this.evalTrain.n, this.test.n));
    this.mlp = new HostMlp(graph.arch, task.targets, Math.max(evalRows, setup.batchRows), setup.classLoss);
    this.inPerm = net.inPerm.slice();
    this.outPerm = net.outPerm.slice();
  }

  async gradient(params: Params, rows: Int32Array | undefined, grads: HostGrads): Promise<void> {
    this.mlp.run(params, this.inPerm, this.outPerm, this.train, rows, grads);
  }

  async evaluate(params: Params): Promise<Evaluation> {
    const train = this.evaluateSplit(params, this.evalTrain);
    const test = this.evaluateSplit(params, this.test);
    return { trainLoss: train.loss, testLoss: test.loss, trainAcc: train.acc, testAcc: test.acc };
  }

  /** A split's loss and accuracy, in chunks of EVAL_CHUNK_ROWS rows, each chunk's means weighted by its rows. */
  private evaluateSplit(params: Params, split: HostSplit): { loss: number; acc: number | null } {
    if (split.n <= EVAL_CHUNK_ROWS) return this.mlp.run(params, this.inPerm, this.outPerm, split, undefined);
    let loss = 0;
    let acc: number | null = null;
    for (let start = 0; start < split.n; start += EVAL_CHUNK_ROWS) {
      const rows = Int32Array.from({ length: Math.min(EVAL_CHUNK_ROWS, split.n - start) }, (_, i) => start + i);
      const part = this.mlp.run(params, this.inPerm, this.outPerm, split, rows);
      loss += (part.loss * rows.length) / split.n;
      if (part.acc !== null) acc = (acc ?? 0) + (part.acc * rows.length) / split.n;
    }
    return { loss, acc };
  }

  setPermutations(inPerm: Int32Array, outPerm: Int32Array): void {
    this.inPerm = inPerm.slice();
    this.outPerm = outPerm.slice();
  }

  dispose(): void {}
}

function featureSplit(task: TaskInstance, which: 'train' | 'test'): HostSplit {
  const s = task[which];
  if (!(s.x instanceof Float32Array)) throw new Error('the host engine takes feature inputs only');
  return { n: s.n, x: s.x, y: s.y };
}
