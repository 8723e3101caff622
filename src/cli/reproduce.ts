/** `bimt reproduce <figure | all>`: argument parsing and output; the work is in src/reproduce/, imported when the command runs (see main.ts). */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Argument, Command } from 'commander';
import { selectBackend, type BackendName } from '../backend.js';
import { BimtError } from '../errors.js';
import { FIGURES, figureById } from '../reproduce/figures.js';
import type { FigureOutcome } from '../reproduce/run.js';
import { describeFsError } from '../util/files.js';
import { backendOption, SYNC_READS } from './options.js';

export function reproduceCommand(): Command {
  return new Command('reproduce')
    .description("re-create the paper's Figures 3-8 and check their claims by number (exit 0 only if all pass)")
    .addArgument(new Argument('<figure>', `figure to reproduce, or all`).choices([...FIGURES.map((f) => f.id), 'all']))
    .option(
      '--out <dir>',
      'directory of REPORT.md and of one run directory per figure (default: runs/reproduce-<timestamp>); ' +
        'REPORT.md keeps the sections of figures reproduced there before, and a figure already there is refused',
    )
    .addOption(backendOption(SYNC_READS))
    .action(async (which: string, flags: { out?: string; backend?: BackendName }) => {
      const [{ checkFiguresNew, claimsTable, reproduceFigure }, { writeReport }] = await Promise.all([import('../reproduce/run.js'), import('../reproduce/report.js')]);
      const figures = which === 'all' ? FIGURES : [figureById(which)!];
      const dir = flags.out ?? join('runs', `reproduce-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')}`);
      checkFiguresNew(dir, figures);
      try {
        mkdirSync(dir, { recursive: true });
      } catch (e) {
        throw new BimtError(`cannot create ${dir}: ${describeFsError(e)}`);
      }
      const backend = await selectBackend(flags.backend, SYNC_READS);
      process.stderr.write(`bimt: backend ${backend.name}; reproducing ${figures.map((f) => f.id).join(', ')} into ${dir}\n`);
      const outcomes: FigureOutcome[] = [];
      let report = '';
      for (const fig of figures) {
        outcomes.push(await reproduceFigure(fig, dir, backend, (s) => process.stderr.write(`${s}\n`)));
        report = writeReport(dir);
      }
      process.stdout.write(claimsTable(outcomes));
      const failed = outcomes.flatMap((o) => o.record.claims).filter((c) => !c.pass).length;
      process.stdout.write(`${failed === 0 ? 'all claims pass' : `${failed} claim(s) FAIL`}; report: ${report}\n`);
      if (failed > 0) process.exitCode = 1;
    });
}
