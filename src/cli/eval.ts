/**
 * `bimt eval <run dir | checkpoint>`: a checkpoint, pruned or as trained, on its task's splits
 * (rebuilt as training made them, from the run's config) or on new inputs from a CSV file; prints
 * the loss and accuracy as `bimt prune` does and writes every row's outputs to a predictions file
 * (docs/cli.md, "bimt eval"). The work is imported when the command runs (see main.ts).
 */
import { basename, extname, join } from 'node:path';
import { Command, Option } from 'commander';
import { selectBackend } from '../backend.js';
import { BimtError } from '../errors.js';
import type { RowsScore } from '../train/evaluate.js';
import type { EvaluatedRows } from '../train/predictions-csv.js';
import { fmt } from '../train/progress.js';
import { nameList, terminalText } from '../util/excerpt.js';
import { backendOption, parseNonNegative, parseStep, SYNC_READS, TARGET_HELP } from './options.js';

const SPLITS = ['train', 'test', 'all'] as const;
type SplitChoice = (typeof SPLITS)[number];

interface EvalFlags {
  step?: number;
  threshold?: number;
  split?: SplitChoice;
  data?: string;
  labels?: string;
  out?: string;
  activations?: string;
  backend?: Parameters<typeof selectBackend>[0];
}

export function evalCommand(): Command {
  return new Command('eval')
    .description("evaluate a checkpoint (pruned at --threshold, or as trained) on its task's splits or on new inputs, and write each row's outputs")
    .argument('<target>', TARGET_HELP)
    .option('--step <n>', 'the checkpoint of this step (with a run directory)', parseStep)
    .option('--threshold <t>', 'prune first: zero weights and biases with |value| <= t (default: evaluate the network as trained)', parseNonNegative('--threshold'))
    .addOption(new Option('--split <split>', "which of the task's splits, rebuilt as training made them (default: test)").choices(SPLITS))
    .option('--data <file>', "new inputs: a CSV file with the task's input columns, and optionally its targets (docs/cli.md, \"bimt eval\")")
    .option('--labels <file>', 'with --data images in IDX (MNIST-style tasks): their IDX label file, the targets')
    .option('--out <file>', 'the predictions file (default: <run>/eval/<step tag>[-t<t>]-<split or data-<name>>.csv)')
    .option('--activations <file>', "also write every stage's activations on these rows, one tensor per layer of graph.json, to this safetensors file")
    .addOption(backendOption(SYNC_READS))
    .action(async (target: string, flags: EvalFlags) => {
      if (flags.data !== undefined && flags.split !== undefined) throw new BimtError('--split and --data: give one (the splits of the task, or new inputs)');
      if (flags.labels !== undefined && flags.data === undefined) throw new BimtError(`--labels ${flags.labels}: give the images with --data`);
      const [{ openCheckpoint }, { pruneNetwork }, columns, { evaluateRows }, { predictionsCsv }, { writeOutputFile }, { scoredLabels }] = await Promise.all([
        import('../runs/open.js'),
        import('../bimt/prune.js'),
        import('../tasks/input-columns.js'),
        import('../train/evaluate.js'),
        import('../train/predictions-csv.js'),
        import('../runs/atomic.js'),
        import('../tasks/sequence-loss.js'),
      ]);
      const opened = openCheckpoint(target, flags.step);
      const { task, classLoss } = opened.plan;
      // Read before the backend loads, so a bad file fails at once.
      const data = flags.data === undefined ? undefined : columns.readInputRows(task, flags.data, flags.labels);
      if (data !== undefined && data.ignored.length > 0) {
        process.stderr.write(`bimt: note: ${terminalText(`${flags.data}: columns ignored (neither an input nor a target): ${nameList(data.ignored, 12)}`)}\n`);
      }
      await selectBackend(flags.backend, SYNC_READS);
      const net = flags.threshold === undefined ? opened.checkpoint.net : pruneNetwork(opened.checkpoint.net, flags.threshold, opened.labels).net;
      const split = flags.split ?? 'test';
      const sources =
        data !== undefined
          ? [{ name: basename(flags.data!), rows: data }]
          : (split === 'all' ? (['train', 'test'] as const) : [split]).map((s) => ({ name: s, rows: columns.splitRows(task, task[s]) }));
      const parts: EvaluatedRows[] = sources.map((s) => ({ ...s, evaluation: evaluateRows(net, task, s.rows, classLoss) }));
      const prefix = `${opened.tag}${flags.threshold === undefined ? '' : `-t${flags.threshold}`}`;
      const what = flags.data === undefined ? split : `data-${basename(flags.data, extname(flags.data))}`;
      const out = flags.out ?? join(opened.paths.root, 'eval', `${prefix}-${what}.csv`);
      writeOutputFile(out, predictionsCsv(task, parts));
      if (flags.activations !== undefined) {
        const { activationsFile } = await import('../train/activations-file.js');
        const tokens = task.inputs.kind === 'sequence' ? task.inputs.length : 1;
        const bytes = activationsFile(net, sources.map((p) => ({ name: p.name, n: p.rows.n, x: p.rows.x })), tokens, { step: opened.checkpoint.step, ...(flags.threshold === undefined ? {} : { threshold: flags.threshold }) });
        writeOutputFile(flags.activations, bytes);
      }
      // Named as metrics.csv's test_loss_<k> columns count them: scored entries, or the outputs of several values.
      const { targets } = task;
      const perOutput = targets.kind === 'sequence' ? scoredLabels(targets, task.outputLabels) : targets.kind === 'values' && targets.dim > 1 ? task.outputLabels : [];
      process.stdout.write(evalReport(opened.file, opened.checkpoint.step, flags.threshold, parts, perOutput));
      process.stdout.write(`wrote ${terminalText(out)}\n`);
      if (flags.activations !== undefined) process.stdout.write(`wrote ${terminalText(flags.activations)}\n`);
    });
}

/**
 * The printed summary, laid out as `bimt prune`'s table (src/cli/prune.ts pruneReport): each
 * part's loss, accuracy for classes, and the per-output losses (`perOutput` names them: a
 * sequence's scored entries, or several values) as `MSE <name>`.
 */
export function evalReport(file: string, step: number, threshold: number | undefined, parts: readonly EvaluatedRows[], perOutput: readonly string[]): string {
  const f = (x: number | null) => (x === null ? '-' : fmt(x, 3));
  // prune's columns, with a space kept after a long label (a formula's name).
  const line = (label: string, x: number | null) => `  ${label.padEnd(16)} ${f(x)}`;
  // The file named: a pruned checkpoint given as the target is evaluated as saved, not "as trained".
  const lines = [`evaluated ${terminalText(file)} (step ${step})${threshold === undefined ? '' : `, pruned at |w| <= ${threshold}`}`];
  for (const { name, rows, evaluation } of parts) {
    const score: RowsScore | undefined = evaluation.score;
    lines.push(`  ${terminalText(name)}: ${rows.n} rows${score === undefined ? ' (no target columns: outputs only)' : ''}`);
    if (score === undefined) continue;
    // A split's lines read as prune's ("test loss"); new inputs' as plain "loss".
    const of = name === 'train' || name === 'test' ? `${name} ` : '';
    lines.push(line(`${of}loss`, score.loss));
    if (score.acc !== null) lines.push(line(`${of}accuracy`, score.acc));
    perOutput.forEach((label, j) => lines.push(line(`${of}MSE ${terminalText(label)}`, score.outputLosses?.[j] ?? null)));
  }
  return `${lines.join('\n')}\n`;
}
