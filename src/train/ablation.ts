/**
 * `bimt ablate`'s measurements (docs/cli.md, "bimt ablate"; docs/design.md, "Ablation targets"):
 * each target's units held at 0 or at their mean over the training split through the probe's
 * fixes, and the split's loss, accuracy and per-output losses of what comes out. Everything runs
 * on the host's float64 forward pass (src/model/probe.ts) and loads no tfjs.
 */
import { ablationFixes, keepOnlyUnits, type ResolvedTarget, type Unit } from '../bimt/ablation-targets.js';
import type { ClassLoss } from '../model/host-mlp.js';
import { stageWidth } from '../model/model-graph.js';
import type { Network } from '../model/network.js';
import { probeNetwork } from '../model/probe.js';
import type { Split, TaskInstance } from '../tasks/task.js';
import { splitMetrics, type SplitMetrics } from './ablation-metrics.js';

/** zero: a unit's output held at 0; mean: at its mean over the training split (the usual choice, the default). */
export type AblationMode = 'zero' | 'mean';

export interface AblationSetup {
  readonly net: Network;
  readonly task: TaskInstance;
  readonly classLoss: ClassLoss;
  /** The split measured; means always come from the training split. */
  readonly split: 'train' | 'test';
  readonly mode: AblationMode;
  /** Ablate everything of the hidden layers except the target (keepOnlyUnits) instead of the target. */
  readonly keepOnly: boolean;
}

export interface AblationRow {
  /** `none` for the untouched network, else the target's name ("keep-only " in front with keepOnly). */
  readonly target: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Units held fixed (0 for none). */
  readonly fixed: number;
  readonly metrics: SplitMetrics;
}

/** Rows of the training split per pass while recording means: [rows, width] per stage stays small at any split size. */
const MEAN_CHUNK_ROWS = 2048;

/**
 * The `none` row, then one row per target: the split's metrics with the target's units (or,
 * with keepOnly, every other hidden unit) held at their ablation values.
 */
export function ablationRows(setup: AblationSetup, targets: readonly ResolvedTarget[]): AblationRow[] {
  const { net, task, split, classLoss } = setup;
  const s = task[split];
  const value = setup.mode === 'zero' ? () => 0 : meanOf(stageMeans(net, task.train));
  const measure = (fix?: Map<number, Map<number, number>>) => splitMetrics(task.targets, probeNetwork(net, s.x, s.n, fix ? { fix } : undefined), s, classLoss);
  const rows: AblationRow[] = [{ target: 'none', inputs: [], outputs: [], fixed: 0, metrics: measure() }];
  for (const t of targets) {
    const units: readonly Unit[] = setup.keepOnly ? keepOnlyUnits(net.graph, t.units) : t.units;
    rows.push({
      target: setup.keepOnly ? `keep-only ${t.name}` : t.name,
      inputs: t.inputs,
      outputs: t.outputs,
      fixed: units.length,
      metrics: measure(ablationFixes(net.graph, units, value)),
    });
  }
  return rows;
}

/**
 * Each stage's mean value per neuron over split `s` (rows and, for a transformer, token
 * positions), recorded by the probe on the untouched network: per stage [width]. With `of`, the
 * mean of of(value) (Math.abs: attribution's mean |activation|, src/train/attribution.ts).
 */
export function stageMeans(net: Network, s: Split, of?: (v: number) => number): Float64Array[] {
  const widths = net.graph.stages.map((_, s) => stageWidth(net.graph, s));
  const sums = widths.map((w) => new Float64Array(w));
  let rows = 0;
  const cols = s.n > 0 ? s.x.length / s.n : 0;
  for (let r0 = 0; r0 < s.n; r0 += MEAN_CHUNK_ROWS) {
    const r1 = Math.min(s.n, r0 + MEAN_CHUNK_ROWS);
    probeNetwork(net, s.x.subarray(r0 * cols, r1 * cols), r1 - r0, {
      record: (stage, values) => {
        const w = widths[stage]!;
        const sum = sums[stage]!;
        if (of) for (let i = 0; i < values.length; i += w) for (let j = 0; j < w; j++) sum[j] += of(values[i + j]!);
        else for (let i = 0; i < values.length; i += w) for (let j = 0; j < w; j++) sum[j] += values[i + j]!;
        if (stage === 0) rows += values.length / w;
      },
    });
  }
  return sums.map((sum) => sum.map((v) => v / rows));
}

function meanOf(means: readonly Float64Array[]): (stage: number, neuron: number) => number {
  return (stage, neuron) => means[stage]![neuron]!;
}
