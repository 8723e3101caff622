/**
 * `bimt ablate <run dir | checkpoint> [targets]` (docs/cli.md, "bimt ablate"): argument parsing,
 * the printed table and ablation.csv; the targets are src/bimt/ablation-targets.ts, the
 * measurements src/train/ablation.ts, imported when the command runs (see main.ts).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { createObjectCsvStringifier } from 'csv-writer';
import type { AblationTarget } from '../bimt/ablation-targets.js';
import type { ScoreKind } from '../bimt/graph.js';
import { BimtError } from '../errors.js';
import type { TaskInstance } from '../tasks/task.js';
import type { AblationMode, AblationRow } from '../train/ablation.js';
import { fmt } from '../train/progress.js';
import { nameList, terminalText } from '../util/excerpt.js';
import { parseNonNegative, parseStep, scoreOption, TARGET_HELP } from './options.js';

interface AblateFlags {
  neuron: string[];
  module: number[];
  community: number[];
  embeddingDim: number[];
  head: string[];
  mode: AblationMode;
  keepOnly?: boolean;
  together?: boolean;
  each?: 'neuron' | 'module' | 'community';
  split: 'train' | 'test';
  score: ScoreKind;
  threshold?: number;
  step?: number;
  out?: string;
}

const collect = <T>(parse: (v: string) => T) => (value: string, previous: T[]) => [...previous, parse(value)];

function wholeNumber(flag: string): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${flag} must be a whole number >= 0`);
    return Number(v);
  };
}

export function ablateCommand(): Command {
  return new Command('ablate')
    .description('knock out neurons, modules, communities, embedding dimensions or heads and measure the loss')
    .argument('<target>', TARGET_HELP)
    .option('--neuron <layer:unit>', 'a neuron: layer a stage index or name (input, hidden1, blocks.0.mlp, stream, output), unit an index or a label as graph.json names it (x3, e17); repeatable', collect(String), [])
    .option('--module <k>', 'connected module k (1-based, as prune and graph.json list them) of the pruned graph; repeatable', collect(wholeNumber('--module')), [])
    .option('--community <k>', 'Louvain community k (1-based, by first neuron) of the pruned graph; repeatable', collect(wholeNumber('--community')), [])
    .option('--embedding-dim <d>', 'token tasks: every input position reading embedding dimension d (0-based, label e<d>); repeatable', collect(wholeNumber('--embedding-dim')), [])
    .option('--head <block:h>', 'transformers: every position of head h of block <block>\'s attention; repeatable', collect(String), [])
    .addOption(new Option('--each <unit>', 'ablate each alive hidden neuron, each module or each community in turn').choices(['neuron', 'module', 'community']))
    .addOption(new Option('--mode <mode>', 'hold a unit at 0, or at its mean over the training split').choices(['zero', 'mean']).default('mean'))
    .option('--keep-only', 'ablate every hidden neuron except the target instead (is the target sufficient?)')
    .option('--together', 'ablate all the named targets at once, as one row')
    .addOption(new Option('--split <split>', 'the split measured').choices(['test', 'train']).default('test'))
    .option('--threshold <t>', 'the pruned graph modules and communities come from (default: output.prune_threshold of the run)', parseNonNegative('--threshold'))
    .addOption(scoreOption())
    .option('--step <n>', 'the checkpoint of this step (with a run directory)', parseStep)
    .option('--out <file>', 'the CSV written (default: <run>/ablation.csv)')
    .action(async (target: string, flags: AblateFlags) => {
      const [{ openCheckpoint }, { networkGraph }, targets, { ablationRows }, { lossOutputs }, { writeOutputFile }, { join }, { edgeScoreOf }] = await Promise.all([
        import('../runs/open.js'),
        import('../bimt/graph.js'),
        import('../bimt/ablation-targets.js'),
        import('../train/ablation.js'),
        import('../runs/metrics.js'),
        import('../runs/atomic.js'),
        import('node:path'),
        import('../train/attribution.js'),
      ]);
      const named = namedTargets(flags);
      if (named.length === 0 && !flags.each) throw new BimtError('no target to ablate: name one (--neuron, --module, --community, --embedding-dim, --head) or give --each neuron|module|community');
      const opened = openCheckpoint(target, flags.step);
      const { net } = opened.checkpoint;
      const threshold = flags.threshold ?? opened.plan.output.pruneThreshold;
      const task = opened.plan.task;
      // Modules and communities on the chosen score (docs/design.md, "Attribution").
      const score = edgeScoreOf(flags.score, net, task.train);
      const graph = networkGraph(net, opened.labels, threshold, score);
      const wanted = [...named, ...(flags.each ? targets.eachTarget(net, graph, flags.each, score) : [])];
      let resolved = wanted.map((t) => targets.resolveTarget(net, opened.labels, graph, t, score));
      if ((flags.together || flags.keepOnly) && !flags.each && resolved.length > 1) resolved = [targets.jointTarget(resolved)];
      const rows = ablationRows({ net, task, classLoss: opened.plan.classLoss, split: flags.split, mode: flags.mode, keepOnly: flags.keepOnly ?? false }, resolved);
      const columns = ablationColumns(task, flags.split, lossOutputs(task));
      const out = flags.out ?? join(opened.paths.root, 'ablation.csv');
      writeOutputFile(out, ablationCsv(rows, flags.mode, columns));
      process.stdout.write(ablationReport(opened.checkpoint.step, threshold, flags, rows, columns));
      process.stdout.write(`wrote ${terminalText(out)}\n`);
    });
}

/** The targets the flags name, in flag order: neurons, modules, communities, embedding dimensions, heads. */
function namedTargets(f: AblateFlags): AblationTarget[] {
  const pair = (flag: string, v: string): [string, string] => {
    const i = v.indexOf(':');
    if (i <= 0 || i === v.length - 1) throw new BimtError(`${flag} ${v}: expected ${flag === '--head' ? '<block>:<head>, e.g. 0:1' : '<layer>:<index or label>, e.g. hidden1:3 or input:x2'}`);
    return [v.slice(0, i), v.slice(i + 1)];
  };
  const heads = f.head.map((v): AblationTarget => {
    const [b, h] = pair('--head', v);
    if (!/^\d+$/.test(b) || !/^\d+$/.test(h)) throw new BimtError(`--head ${v}: expected <block>:<head> as whole numbers, e.g. 0:1`);
    return { kind: 'head', block: Number(b), h: Number(h) };
  });
  return [
    ...f.neuron.map((v): AblationTarget => {
      const [layer, unit] = pair('--neuron', v);
      return { kind: 'neuron', layer, unit };
    }),
    ...f.module.map((k): AblationTarget => ({ kind: 'module', k })),
    ...f.community.map((k): AblationTarget => ({ kind: 'community', k })),
    ...f.embeddingDim.map((d): AblationTarget => ({ kind: 'embedding-dim', d })),
    ...heads,
  ];
}

/** The metric columns of ablation.csv after target, mode, inputs, outputs: with their keys into a row. */
interface MetricColumn {
  readonly title: string;
  /** A class's accuracy: printed only for tasks of at most TERMINAL_CLASSES classes (all are in the CSV). */
  readonly perClass?: boolean;
  readonly value: (r: AblationRow) => number | null;
}

/**
 * `<split>_loss`, `<split>_acc` (empty for regression), then metrics.csv's per-output losses
 * `<split>_loss_<k>` (k from 1) where the task has them, or each class's accuracy `<split>_acc_<c>`
 * (c the class index, from 0, as the data's labels).
 */
export function ablationColumns(task: Pick<TaskInstance, 'targets'>, split: string, outputs: number): MetricColumn[] {
  const cols: MetricColumn[] = [
    { title: `${split}_loss`, value: (r) => r.metrics.loss },
    { title: `${split}_acc`, value: (r) => r.metrics.acc },
  ];
  const classes = task.targets.kind === 'classes' ? task.targets.count : 0;
  for (let k = 0; k < outputs; k++) cols.push({ title: `${split}_loss_${k + 1}`, value: (r) => r.metrics.perOutput[k] ?? null });
  for (let c = 0; c < classes; c++) cols.push({ title: `${split}_acc_${c}`, perClass: true, value: (r) => r.metrics.perOutput[c] ?? null });
  return cols;
}

/** ablation.csv: a header, then one line per row, quoted where a label needs it (pandas reads it). */
export function ablationCsv(rows: readonly AblationRow[], mode: AblationMode, columns: readonly MetricColumn[]): string {
  const titles = ['target', 'mode', 'inputs', 'outputs', ...columns.map((c) => c.title)];
  const csv = createObjectCsvStringifier({ header: titles.map((t) => ({ id: t, title: t })) });
  const cell = (x: number | null) => (x === null || !Number.isFinite(x) ? '' : x);
  const records = rows.map((r) => ({
    target: r.target,
    mode: r.target === 'none' ? '' : mode,
    inputs: r.inputs.join(';'),
    outputs: r.outputs.join(';'),
    ...Object.fromEntries(columns.map((c) => [c.title, cell(c.value(r))])),
  }));
  return (csv.getHeaderString() ?? '') + csv.stringifyRecords(records);
}

/** Labels of a row's inputs or outputs named on its line; more are counted. */
const ROW_NAMES = 6;

/** Most classes whose accuracies the printed table shows (MNIST's 10; modular addition's 59 stay in the CSV). */
const TERMINAL_CLASSES = 10;

/** The table printed: one line per row, its loss (accuracy) beside the untouched network's. */
export function ablationReport(step: number, threshold: number, f: Pick<AblateFlags, 'mode' | 'split' | 'score'>, rows: readonly AblationRow[], columns: readonly MetricColumn[]): string {
  const classes = columns.filter((c) => c.perClass).length;
  const shown = columns.filter((c) => rows.some((r) => c.value(r) !== null) && !(c.perClass && classes > TERMINAL_CLASSES));
  const width = Math.max(6, ...rows.map((r) => terminalText(r.target).length)) + 2;
  const f4 = (x: number | null) => (x === null || !Number.isFinite(x) ? '-' : x === 0 ? '0' : fmt(x, 4));
  const lines = [`ablated step ${step} (${f.mode} ablation; modules at ${f.score === 'weight' ? '|w|' : 'attribution'} > ${threshold}), ${f.split} split`];
  lines.push(`  ${'target'.padEnd(width)}${shown.map((c) => c.title.padEnd(Math.max(11, c.title.length + 2))).join('')}inputs -> outputs`);
  for (const r of rows) {
    const cells = shown.map((c) => f4(c.value(r)).padEnd(Math.max(11, c.title.length + 2))).join('');
    const io = r.target === 'none' ? '' : `{${terminalText(nameList(r.inputs, ROW_NAMES))}} -> {${terminalText(nameList(r.outputs, ROW_NAMES))}}`;
    lines.push(`  ${terminalText(r.target).padEnd(width)}${cells}${io}`.trimEnd());
  }
  return `${lines.join('\n')}\n`;
}
