/**
 * Per-output losses of a regression task for metrics rows, on the host: kept apart from
 * evaluate.ts so that a host-engine run loads no tfjs.
 */
import { HostMlp } from '../model/host-mlp.js';
import { mlpChain, type Network } from '../model/network.js';
import type { OutputLosses } from '../runs/metrics.js';
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
    this.mlp ??= new HostMlp(mlpChain(net).arch, task.targets, Math.max(task.train.n, task.test.n));
    const mlp = this.mlp;
    const per = (s: Split) => {
      if (!(s.x instanceof Float32Array)) throw new Error('per-output losses need feature inputs');
      return mlp.run(net.params, net.inPerm, net.outPerm, { n: s.n, x: s.x, y: s.y }, undefined).perOutput!;
    };
    return { train: per(task.train), test: per(task.test) };
  }
}
