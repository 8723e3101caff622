/**
 * The paper's knock-outs as `bimt reproduce` claims (docs/experiments.md): a figure's trained
 * network asked, through `bimt ablate`'s code, whether its modules do what the pruned graph says.
 * Units are held at their training-split mean and the test split is measured, as `bimt ablate`
 * does by default; the network is the checkpoint as trained, the modules those of the pruned graph.
 */
import { eachTarget, jointTarget, resolveTarget, type AblationTarget } from '../bimt/ablation-targets.js';
import { networkGraph } from '../bimt/graph.js';
import type { OpenedCheckpoint } from '../runs/open.js';
import { ablationRows, type AblationRow } from '../train/ablation.js';
import type { ClaimResult } from './claims.js';

/** Ablates targets of a figure's trained network: each alone, or with `keepOnly` all of them kept, the rest ablated. */
export interface KnockOuts {
  /** The `none` row, then a row per target (or one row for all of them, with `together` or `keepOnly`). */
  rows(targets: readonly AblationTarget[], opts?: { readonly keepOnly?: boolean; readonly together?: boolean }): AblationRow[];
  /** Every module of the pruned graph, each a target (`bimt ablate --each module`). */
  readonly modules: readonly AblationTarget[];
  /** The task's output labels, in the order of each row's per-output losses. */
  readonly outputLabels: readonly string[];
}

/** Knock-outs of an opened run's final checkpoint, modules at its config's prune threshold. */
export function knockOutsOf(opened: OpenedCheckpoint): KnockOuts {
  const { net } = opened.checkpoint;
  const { task, classLoss } = opened.plan;
  const graph = networkGraph(net, opened.labels, opened.plan.output.pruneThreshold);
  return {
    outputLabels: task.outputLabels,
    modules: eachTarget(net, graph, 'module'),
    rows(targets, opts = {}) {
      const keepOnly = opts.keepOnly ?? false;
      const resolved = targets.map((t) => resolveTarget(net, opened.labels, graph, t));
      const asked = (keepOnly || opts.together) && resolved.length > 1 ? [jointTarget(resolved)] : resolved;
      return ablationRows({ net, task, classLoss, split: 'test', mode: 'mean', keepOnly }, asked);
    },
  };
}

/**
 * Knocking out each module raises its own outputs' test loss at least `own` times and leaves every
 * other output within `other` times: the module x output effect matrix is diagonal. `rows` is
 * `none` then one row per module; a module's own outputs are those its row names.
 */
export function diagonalClaim(claim: string, rows: readonly AblationRow[], outputLabels: readonly string[], own: number, other: number): ClaimResult {
  const [none, ...modules] = rows;
  const parts: string[] = [];
  let pass = modules.length >= 2;
  for (const m of modules) {
    const ratios = outputLabels.map((_, k) => m.metrics.perOutput[k]! / none!.metrics.perOutput[k]!);
    const mine = outputLabels.map((l) => m.outputs.includes(l));
    const ownMin = Math.min(...ratios.filter((_, k) => mine[k]));
    const otherMax = Math.max(1, ...ratios.filter((_, k) => !mine[k]));
    if (!mine.some(Boolean) || !(ownMin >= own) || !(otherMax <= other)) pass = false;
    parts.push(`${m.target}: own x${ratio(ownMin)}, other x${ratio(otherMax)}`);
  }
  return { claim, reference: `own >= x${own}, other <= x${other}`, measured: parts.join('; ') || 'no modules', pass };
}

/** The target row keeps the test accuracy within `drop` of the untouched network's (`none`). */
export function keepsAccuracyClaim(claim: string, rows: readonly AblationRow[], drop: number, reference: string): ClaimResult {
  const before = rows[0]!.metrics.acc ?? 0;
  const after = rows[1]?.metrics.acc ?? 0;
  return { claim, reference, measured: `${after.toFixed(4)} (untouched ${before.toFixed(4)})`, pass: rows.length === 2 && before - after <= drop };
}

/** Each target row's test accuracy is at most `most`: every part knocked out matters. */
export function eachLowersClaim(claim: string, rows: readonly AblationRow[], most: number): ClaimResult {
  const [, ...targets] = rows;
  const accs = targets.map((r) => r.metrics.acc ?? 1);
  return {
    claim,
    reference: `each <= ${most}`,
    measured: targets.map((r, i) => `${r.target}: ${accs[i]!.toFixed(3)}`).join('; ') || 'none',
    pass: targets.length > 0 && accs.every((a) => a <= most),
  };
}

function ratio(x: number): string {
  return x >= 10 ? x.toFixed(0) : x.toFixed(2);
}
