/**
 * The loss of a sequence target on the host (docs/experiments.md, "In-context regression"): squared
 * errors of the scored entries only, averaged over rows and scored entries; every other entry of
 * the prediction is free. src/model/ops/sequence-loss-tfjs.ts is the differentiable tfjs twin.
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

/**
 * One row of the scored sequence loss, forward and gradient (docs/design.md, "Host op library"):
 * for each scored entry e, d = pred[p0 + pCols[e]] - y[y0 + yCols[e]] is added as d^2 to sums[e]
 * and, when g0 >= 0, as `scale` d to grad[g0 + pCols[e]] (+=: an entry scored twice counts
 * twice). Columns are per buffer, so a prediction row may be padded or permuted (HostTransformer's
 * [T, ldOut] rows in output-position order) while the targets are dense [length, dim] rows. The
 * one home of the host's sequence loss: sequenceMse and HostTransformer (through
 * src/model/ops/losses.ts) call it; src/model/ops/sequence-loss-tfjs.ts is the tfjs form.
 */
export function addScoredSquaredErrors(
  pred: ArrayLike<number>, p0: number, pCols: Int32Array, y: ArrayLike<number>, y0: number, yCols: Int32Array,
  sums: Float64Array, grad: Float64Array | undefined, g0: number, scale: number,
): void {
  for (let e = 0; e < pCols.length; e++) {
    const d = pred[p0 + pCols[e]] - y[y0 + yCols[e]];
    sums[e] += d * d;
    if (grad && g0 >= 0) grad[g0 + pCols[e]] += scale * d;
  }
}

/** MSE of predictions `pred` [n, length, dim] against targets `y` [n, length, dim], float64 sums. */
export function sequenceMse(pred: ArrayLike<number>, y: ArrayLike<number>, n: number, spec: SequenceTarget): SequenceMse {
  const row = spec.length * spec.dim;
  if (pred.length !== n * row || y.length !== n * row) {
    throw new Error(`sequenceMse: expected ${n} x ${spec.length} x ${spec.dim} = ${n * row} values, got predictions ${pred.length}, targets ${y.length}`);
  }
  if (spec.scored.length === 0) throw new Error('sequenceMse: a sequence target scores no entry');
  const cols = scoredColumns(spec);
  const sums = new Float64Array(cols.length);
  for (let i = 0; i < n; i++) addScoredSquaredErrors(pred, i * row, cols, y, i * row, cols, sums, undefined, -1, 0);
  const perEntry = Array.from(sums, (s) => s / n);
  const lastPosition = Math.max(...spec.scored.map((e) => e.position));
  const atLast = perEntry.filter((_, k) => spec.scored[k].position === lastPosition);
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  return { loss: mean(perEntry), perEntry, last: mean(atLast) };
}
