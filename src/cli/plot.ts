/**
 * `bimt plot <run dir | checkpoint>`: argument parsing only; the figures are src/plot/run-plots.ts,
 * imported when the command runs (see main.ts).
 */
import { Command, Option } from 'commander';
import { selectBackend } from '../backend.js';
import type { ScoreKind } from '../bimt/graph.js';
import { BimtError } from '../errors.js';
import { PLOT_KINDS, type PlotKind } from '../plot/kinds.js';
import { backendOption, parseNonNegative, parseStep, scoreOption, SYNC_READS, TARGET_HELP } from './options.js';

interface PlotFlags {
  kind?: PlotKind | 'all';
  step?: number;
  out?: string;
  pruned?: boolean;
  animate?: boolean;
  threshold?: number;
  score: ScoreKind;
  backend?: Parameters<typeof selectBackend>[0];
}

export function plotCommand(): Command {
  return new Command('plot')
    .description('draw a run as SVG: the network, training curves and the task picture (into <run>/plots/)')
    .argument('<target>', TARGET_HELP)
    .addOption(new Option('--kind <kind>', 'which picture (default: all)').choices([...PLOT_KINDS, 'all']))
    .option('--step <n>', 'the checkpoint of this step (with a run directory); the curves mark it, as curves-step-NNNNNN.svg', parseStep)
    .option('--out <file>', 'write this file instead of <run>/plots/ (one --kind only)')
    .option('--pruned', 'prune first and draw the pruned network, modules tinted (with --animate: prune every frame)')
    .option('--animate', 'one animated SVG of the network through every checkpoint of the run, every weight unless --pruned')
    .option('--threshold <t>', 'prune at |w| <= t (implies --pruned; default: output.prune_threshold of the run)', parseNonNegative('--threshold'))
    .addOption(scoreOption())
    .addOption(backendOption(SYNC_READS))
    .action(async (target: string, flags: PlotFlags) => {
      if (flags.animate) {
        if (flags.kind !== undefined) throw new BimtError('--animate draws the network through every checkpoint; leave out --kind');
        if (flags.step !== undefined) throw new BimtError('--animate uses every checkpoint of the run; leave out --step');
        if (flags.score !== 'weight') throw new BimtError('--animate prunes every frame by |w|; leave out --score');
      } else if (flags.out !== undefined && (flags.kind === undefined || flags.kind === 'all')) {
        throw new BimtError('--out names one file: give a single --kind (network, curves, task, fields or ablation) with it');
      }
      const [{ openCheckpoint }, { animateRun, plotRun }] = await Promise.all([import('../runs/open.js'), import('../plot/run-plots.js')]);
      const opened = openCheckpoint(target, flags.step);
      await selectBackend(flags.backend, SYNC_READS);
      const pruned = flags.pruned === true || flags.threshold !== undefined || flags.score !== 'weight';
      const written = flags.animate
        ? [animateRun(opened, { pruned, threshold: flags.threshold, outFile: flags.out })]
        : plotRun(opened, {
            kinds: flags.kind === undefined || flags.kind === 'all' ? PLOT_KINDS : [flags.kind],
            pruned,
            threshold: flags.threshold,
            score: flags.score,
            outFile: flags.out,
          });
      process.stdout.write(written.map((f) => `wrote ${f}\n`).join(''));
    });
}
