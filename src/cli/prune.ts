/**
 * `bimt prune <run dir | checkpoint>`: argument parsing and the printed table; the work is
 * src/train/prune-run.ts and src/bimt/prune.ts, imported when the command runs (see main.ts).
 */
import { Command } from 'commander';
import { selectBackend } from '../backend.js';
import type { NetworkGraph, ScoreKind } from '../bimt/graph.js';
import type { TaskEvaluation } from '../train/evaluate.js';
import { fmt } from '../train/progress.js';
import { nameList } from '../util/excerpt.js';
import { backendOption, parseNonNegative, parseStep, scoreOption, SYNC_READS, TARGET_HELP } from './options.js';

export function pruneCommand(): Command {
  return new Command('prune')
    .description('threshold a trained network, remove dead neurons, evaluate what is left')
    .argument('<target>', TARGET_HELP)
    .option('--threshold <t>', 'zero weights whose score is <= t, biases with |value| <= t (default: output.prune_threshold of the run)', parseNonNegative('--threshold'))
    .addOption(scoreOption())
    .option('--step <n>', 'the checkpoint of this step (with a run directory)', parseStep)
    .addOption(backendOption(SYNC_READS))
    .action(async (target: string, flags: { threshold?: number; step?: number; score: ScoreKind; backend?: Parameters<typeof selectBackend>[0] }) => {
      const [{ openCheckpoint }, { pruneAndSave }, { scoredLabels }] = await Promise.all([
        import('../runs/open.js'),
        import('../train/prune-run.js'),
        import('../tasks/sequence-loss.js'),
      ]);
      const opened = openCheckpoint(target, flags.step);
      await selectBackend(flags.backend, SYNC_READS);
      const threshold = flags.threshold ?? opened.plan.output.pruneThreshold;
      const saved = pruneAndSave(opened, threshold, flags.score);
      const { targets, outputLabels } = opened.plan.task;
      const scored = targets.kind === 'sequence' ? scoredLabels(targets, outputLabels) : [];
      process.stdout.write(pruneReport(opened.checkpoint.step, threshold, saved.graph, saved.before, saved.after, scored));
      process.stdout.write(`wrote ${saved.checkpointFile}\n      ${saved.graphFile}\n`);
    });
}

/** Inputs or outputs of a module named on its line; more are counted. */
const MODULE_NAMES = 20;

/** `scored`: names of a sequence task's scored entries, whose test MSE is listed one by one. */
export function pruneReport(step: number, threshold: number, g: NetworkGraph, before: TaskEvaluation, after: TaskEvaluation, scored: readonly string[] = []): string {
  const lines = [`pruned step ${step} at ${g.score === 'weight' ? '|w|' : 'attribution'} <= ${threshold}`];
  lines.push(`  weights kept     ${g.weightsKept} / ${g.weightsTotal}`);
  // Out of each layer's width: g.layers lists only the alive hidden neurons.
  lines.push(`  neurons alive    ${g.layers.map((l, k) => `${l.filter((n) => n.connected).length}/${g.widths[k]}`).join('  ')}  (input .. output)`);
  // Two meanings of "module" kept apart (docs/design.md, "Pruning, graph and modules"): the modules are the connected
  // components, what the picture tints; the Louvain communities split them further where parts
  // are only loosely joined, and Q is theirs, so one module can have a Q well above 0.
  lines.push(`  modules          ${g.modules.length}  (connected components: no kept weight joins two of them)`);
  lines.push(`  communities      ${g.communities}  (Louvain's, modularity Q ${g.modularity.toFixed(3)}: modules split where their parts are loosely joined)`);
  g.modules.forEach((m, i) => lines.push(`    ${i + 1}: {${nameList(m.inputs, MODULE_NAMES)}} -> {${nameList(m.outputs, MODULE_NAMES)}}  (${m.neurons.length} neurons)`));
  const f = (x: number | null) => (x === null ? '-' : fmt(x, 3));
  lines.push('                   before      after');
  lines.push(`  train loss       ${f(before.trainLoss).padEnd(11)} ${f(after.trainLoss)}`);
  lines.push(`  test loss        ${f(before.testLoss).padEnd(11)} ${f(after.testLoss)}`);
  if (before.testAcc !== null) {
    lines.push(`  train accuracy   ${f(before.trainAcc).padEnd(11)} ${f(after.trainAcc)}`);
    lines.push(`  test accuracy    ${f(before.testAcc).padEnd(11)} ${f(after.testAcc)}`);
  }
  scored.forEach((name, j) => {
    const at = (e: TaskEvaluation) => e.scoredLosses?.test[j] ?? null;
    lines.push(`  ${`test MSE ${name}`.padEnd(17)}${f(at(before)).padEnd(11)} ${f(at(after))}`);
  });
  return `${lines.join('\n')}\n`;
}
