/**
 * Gradients of a transformer on the host (the host engine for sequence tasks): HostTransformer's
 * forward and backward pass over typed arrays, in this thread. For the in-context network a step
 * is a few hundred thousand multiply-adds per sequence, where tfjs would spend most of its time
 * launching a hundred small kernels.
 */
import type { HostGrads, ModelGraph, Params, TransformerArchitecture } from '../model/model-graph.js';
import { HostTransformer, type TransformerSplit } from '../model/transformer-host.js';
import type { ScoredLosses, Split, TaskInstance } from '../tasks/task.js';
import type { EngineSetup, GradientSource } from './engine.js';
import type { TaskEvaluation } from './evaluate.js';

export class TransformerGradients implements GradientSource {
  private readonly model: HostTransformer;
  private readonly train: TransformerSplit;
  /** What `evaluate` reports on: the training split or its output.eval_rows subset, and the test split's. */
  private readonly evalTrain: TransformerSplit;
  private readonly test: TransformerSplit;
  private inPerm: Int32Array;
  private outPerm: Int32Array;

  /** `graph` is the setup's network's graph, narrowed to a transformer's (create-engine.ts). */
  constructor(setup: EngineSetup, graph: ModelGraph<TransformerArchitecture>) {
    const { net, task } = setup;
    const { arch } = graph;
    const { targets } = task;
    if (targets.kind !== 'sequence') throw new Error('TransformerGradients needs a sequence task');
    const evalTask = setup.evalTask ?? task;
    this.train = sequenceSplit(task.train);
    this.evalTrain = evalTask === task ? this.train : sequenceSplit(evalTask.train);
    this.test = sequenceSplit(evalTask.test);
    this.model = new HostTransformer(arch, targets.scored.map((e) => [e.position, e.channel] as const), setup.batchRows);
    this.inPerm = net.inPerm.slice();
    this.outPerm = net.outPerm.slice();
  }

  async gradient(params: Params, rows: Int32Array | undefined, grads: HostGrads): Promise<void> {
    this.model.run(params, this.inPerm, this.outPerm, this.train, rows, grads as Map<string, Float64Array>);
  }

  async evaluate(params: Params): Promise<TaskEvaluation> {
    const train = this.model.run(params, this.inPerm, this.outPerm, this.evalTrain, undefined);
    const test = this.model.run(params, this.inPerm, this.outPerm, this.test, undefined);
    const scoredLosses: ScoredLosses = { train: train.perScored, test: test.perScored };
    return { trainLoss: train.loss, testLoss: test.loss, trainAcc: null, testAcc: null, scoredLosses };
  }

  setPermutations(inPerm: Int32Array, outPerm: Int32Array): void {
    this.inPerm = inPerm.slice();
    this.outPerm = outPerm.slice();
  }

  dispose(): void {}
}

function sequenceSplit(s: Split): TransformerSplit {
  if (!(s.x instanceof Float32Array) || !(s.y instanceof Float32Array)) throw new Error('sequence splits hold Float32Array inputs and targets');
  return { n: s.n, x: s.x, y: s.y };
}

