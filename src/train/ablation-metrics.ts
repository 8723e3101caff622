/**
 * The loss and accuracy of a split from a forward pass's outputs on the host (`bimt ablate`,
 * docs/cli.md): float64 outputs [n, outputs] in the task's output order (sequences [n, length *
 * dim]) through the task's own loss rows, src/model/ops/losses.ts and src/tasks/sequence-loss.ts,
 * so an ablated network is scored by the same maths that trains it.
 */
import { oneHotSquaredErrorRow, softmaxCrossEntropyRow, squaredErrorRow } from '../model/ops/losses.js';
import type { ClassLoss } from '../model/host-mlp.js';
import { sequenceMse } from '../tasks/sequence-loss.js';
import type { Split, TargetSpec } from '../tasks/task.js';

export interface SplitMetrics {
  /** The task loss (the mean PyTorch's defaults take, as metrics.csv's). */
  readonly loss: number;
  /** Classes only: the fraction of rows whose largest output is their class. */
  readonly acc: number | null;
  /**
   * Per output: a value task's MSE of each output, a sequence task's MSE of each scored entry
   * (metrics.csv's test_loss_<k>); for classes, each class's accuracy over its rows (NaN for a
   * class the split lacks).
   */
  readonly perOutput: readonly number[];
}

/** Metrics of outputs `out` [n, k] against split `s`'s targets. */
export function splitMetrics(targets: TargetSpec, out: Float64Array, s: Pick<Split, 'n' | 'y'>, classLoss: ClassLoss = 'cross-entropy'): SplitMetrics {
  const { n, y } = s;
  switch (targets.kind) {
    case 'classes': {
      const k = targets.count;
      const identity = Int32Array.from({ length: k }, (_, q) => q);
      const right = new Float64Array(k);
      const rows = new Float64Array(k);
      let total = 0;
      let correct = 0;
      for (let i = 0; i < n; i++) {
        const z = i * k;
        let best = 0;
        for (let q = 1; q < k; q++) if (out[z + q]! > out[z + best]!) best = q;
        const label = y[i]!;
        total += classLoss === 'mse-onehot' ? oneHotSquaredErrorRow(out, z, k, label, identity, 0, -1, n * k) : softmaxCrossEntropyRow(out, z, k, out[z + best]!, label, -1, n);
        rows[label]++;
        if (best === label) {
          correct++;
          right[label]++;
        }
      }
      const loss = classLoss === 'mse-onehot' ? total / (n * k) : total / n;
      return { loss, acc: correct / n, perOutput: Array.from(rows, (r, c) => (r > 0 ? right[c]! / r : NaN)) };
    }
    case 'values': {
      const k = targets.dim;
      const identity = Int32Array.from({ length: k }, (_, q) => q);
      const per = new Array<number>(k).fill(0);
      let total = 0;
      for (let i = 0; i < n; i++) total = squaredErrorRow(out, i * k, k, y, i * k, identity, total, per, -1, 0);
      return { loss: total / (n * k), acc: null, perOutput: per.map((v) => v / n) };
    }
    case 'sequence': {
      const { loss, perEntry } = sequenceMse(out, y, n, targets);
      return { loss, acc: null, perOutput: perEntry };
    }
  }
}
