/**
 * The loss of a sequence target on the host (docs/experiments.md, "In-context regression"): squared
 * errors of the scored entries only, averaged over rows and scored entries; every other entry of
 * the prediction is free. src/train/sequence-loss.ts is the differentiable tfjs twin.
 *
 * Layout: predictions and targets are [n, length, dim] row-major, which is the same memory as the
 * [n, length * dim] matrices the tfjs side works on; entry (position p, channel c) of row i is
 * element i * length * dim + p * dim + c.
 */
import type { TargetSpec } from './task.js';

export type SequenceTarget = Extract<TargetSpec, { kind: 'sequence' }>;

/** Column of each scored entry in a row flattened to length * dim values, in `scored` order. */
export function scoredColumns(spec: SequenceTarget): Int32Array {
  return Int32Array.from(spec.scored, (e) => e.position * spec.dim + e.channel);
}

/**
 * One label per scored entry, `<channel label>@<position>` ("y@0", "y@2" for in-context), for
 * tables and plots of the per-entry losses.
 */
export function scoredLabels(spec: SequenceTarget, channelLabels: readonly string[]): string[] {
  return spec.scored.map((e) => `${channelLabels[e.channel] ?? String(e.channel)}@${e.position}`);
}

export interface SequenceMse {
  /** Mean over rows and scored entries: the training loss. */
  readonly loss: number;
  /** Mean over rows of each scored entry's squared error, in `scored` order (their mean is `loss`). */
  readonly perEntry: number[];
  /**
   * Mean over rows and the scored entries at the last scored position: the in-context
   * prediction, the part of the loss that training can drive to 0.
   */
  readonly last: number;
}

/** MSE of predictions `pred` [n, length, dim] against targets `y` [n, length, dim], float64 sums. */
export function sequenceMse(pred: Float32Array, y: Float32Array, n: number, spec: SequenceTarget): SequenceMse {
  const row = spec.length * spec.dim;
  if (pred.length !== n * row || y.length !== n * row) {
    throw new Error(`sequenceMse: expected ${n} x ${spec.length} x ${spec.dim} = ${n * row} values, got predictions ${pred.length}, targets ${y.length}`);
  }
  if (spec.scored.length === 0) throw new Error('sequenceMse: a sequence target scores no entry');
  const cols = scoredColumns(spec);
  const sums = new Float64Array(cols.length);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < cols.length; k++) {
      const d = pred[i * row + cols[k]] - y[i * row + cols[k]];
      sums[k] += d * d;
    }
  }
  const perEntry = Array.from(sums, (s) => s / n);
  const lastPosition = Math.max(...spec.scored.map((e) => e.position));
  const atLast = perEntry.filter((_, k) => spec.scored[k].position === lastPosition);
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  return { loss: mean(perEntry), perEntry, last: mean(atLast) };
}
