/**
 * The host training engine: parameters and Adam's moments as float32 typed arrays (the same state
 * the tfjs engine keeps, so checkpoints and resumes are interchangeable in form), one step being
 * `HostMlp`'s gradient plus the connection cost's, then `adamUpdateHost`. Feature inputs only.
 */
import { addCostGradient, type CostCoefficients } from '../model/connection-cost.js';
import { HostMlp, type HostSplit } from '../model/host-mlp.js';
import { cloneParams, type Params } from '../model/network.js';
import type { OptimizerState } from '../runs/checkpoint.js';
import type { TaskInstance } from '../tasks/task.js';
import { adamUpdateHost, type AdamSettings } from './adam.js';
import type { EngineSetup, TrainingEngine } from './engine.js';
import type { Evaluation } from './evaluate.js';

export class HostEngine implements TrainingEngine {
  readonly name = 'host';
  private params: Params;
  private inPerm: Int32Array;
  private outPerm: Int32Array;
  private m: Params;
  private v: Params;
  private t: number;
  private readonly mlp: HostMlp;
  private readonly train: HostSplit;
  private readonly test: HostSplit;
  private readonly costCoef: CostCoefficients;
  private readonly adam: AdamSettings;

  constructor(setup: EngineSetup) {
    const { net, task } = setup;
    this.train = featureSplit(task, 'train');
    this.test = featureSplit(task, 'test');
    this.mlp = new HostMlp(net.arch, task.targets, Math.max(this.train.n, this.test.n, setup.batchRows));
    this.params = cloneParams(net.params);
    this.inPerm = net.inPerm.slice();
    this.outPerm = net.outPerm.slice();
    const zeros = () => ({ weights: net.params.weights.map((w) => new Float32Array(w.length)), biases: net.params.biases.map((b) => new Float32Array(b.length)) });
    this.m = setup.optimizer ? cloneParams(setup.optimizer.m) : zeros();
    this.v = setup.optimizer ? cloneParams(setup.optimizer.v) : zeros();
    this.t = setup.optimizer?.t ?? 0;
    this.costCoef = setup.costCoef;
    this.adam = setup.adam;
  }

  get updates(): number {
    return this.t;
  }

  step(lambda: number, withBias: boolean, rows?: Int32Array): void {
    const { params, mlp } = this;
    mlp.run(params, this.inPerm, this.outPerm, this.train, rows, true);
    const g = mlp.grads;
    if (lambda !== 0) addCostGradient(params, this.costCoef, withBias, lambda, g);
    this.t++;
    params.weights.forEach((w, l) => adamUpdateHost(w, g.weights[l], this.m.weights[l], this.v.weights[l], this.adam, this.t));
    params.biases.forEach((b, l) => adamUpdateHost(b, g.biases[l], this.m.biases[l], this.v.biases[l], this.adam, this.t));
  }

  readParams(): Params {
    return cloneParams(this.params);
  }

  load(params: Params, inPerm: Int32Array, outPerm: Int32Array): void {
    this.params = cloneParams(params);
    this.inPerm = inPerm.slice();
    this.outPerm = outPerm.slice();
  }

  readOptimizer(): OptimizerState {
    return { m: cloneParams(this.m), v: cloneParams(this.v), t: this.t };
  }

  loadMoments(m: Params, v: Params): void {
    this.m = cloneParams(m);
    this.v = cloneParams(v);
  }

  evaluate(): Evaluation {
    const run = (s: HostSplit) => this.mlp.run(this.params, this.inPerm, this.outPerm, s, undefined, false);
    const train = run(this.train);
    const test = run(this.test);
    return { trainLoss: train.loss, testLoss: test.loss, trainAcc: train.acc, testAcc: test.acc };
  }

  dispose(): void {}
}

function featureSplit(task: TaskInstance, which: 'train' | 'test'): HostSplit {
  const s = task[which];
  if (!(s.x instanceof Float32Array)) throw new Error('the host engine takes feature inputs only');
  return { n: s.n, x: s.x, y: s.y };
}
