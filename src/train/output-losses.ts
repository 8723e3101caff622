/**
 * Per-output losses of a regression task for metrics rows, on the host: kept apart from
 * evaluate.ts so that a host-engine run loads no tfjs.
 */
import { HostMlp } from '../model/host-mlp.js';
import { mlpArchitecture, type Network } from '../model/network.js';
import type { OutputLosses } from '../runs/metrics.js';
import { sequenceMse } from '../tasks/sequence-loss.js';
import type { Split, TaskInstance } from '../tasks/task.js';

/**
 * Mean squared error of each output of a regression task on both splits, for metrics rows. It
 * runs HostMlp's float64 forward pass on the host network (which the loop has just synchronised):
 * every engine's run gets the same numbers, at a fraction of a millisecond for these networks.
 */
export class OutputLossMeter {
  private mlp: HostMlp | undefined;

  constructor(private readonly task: TaskInstance) {}

  /** Per-output MSE [outputs] on train and test, outputs in the task's order. */
  measure(net: Network): OutputLosses {
    const { task } = this;
    this.mlp ??= new HostMlp(mlpArchitecture(net, 'the per-output losses of a regression task'), task.targets, Math.max(task.train.n, task.test.n));
    const mlp = this.mlp;
    const per = (s: Split) => {
      if (!(s.x instanceof Float32Array)) throw new Error('per-output losses need feature inputs');
      return mlp.run(net.params, net.inPerm, net.outPerm, { n: s.n, x: s.x, y: s.y }, undefined).perOutput!;
    };
    return { train: per(task.train), test: per(task.test) };
  }
}

/**
 * The per-output losses of a sequence task's metrics rows: the mean squared error of each scored
 * entry, in the order of `targets.scored` (for in-context: y@0, then y@2, the last-position MSE),
 * from predictions [n, length * dim] of each split made on the host (docs/experiments.md, "In-context
 * regression"). A model evaluated on tfjs gets the same numbers from evaluate()'s `scoredLosses`.
 */
export function scoredOutputLosses(task: TaskInstance, pred: { readonly train: Float32Array; readonly test: Float32Array }): OutputLosses {
  const { targets } = task;
  if (targets.kind !== 'sequence') throw new Error(`scoredOutputLosses: the task's targets are ${targets.kind}, not a sequence`);
  const per = (p: Float32Array, s: Split) => {
    if (!(s.y instanceof Float32Array)) throw new Error('scoredOutputLosses: sequence targets are Float32Array');
    return sequenceMse(p, s.y, s.n, targets).perEntry;
  };
  return { train: per(pred.train, task.train), test: per(pred.test, task.test) };
}
