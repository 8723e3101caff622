/** `bimt reproduce <figure | all>`: argument parsing and output; the work is in src/reproduce/, imported when the command runs (see main.ts). */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Argument, Command } from 'commander';
import { selectBackend, type BackendName } from '../backend.js';
import { BimtError } from '../errors.js';
import { writeFileAtomic } from '../runs/atomic.js';
import { FIGURES, figureById } from '../reproduce/figures.js';
import type { FigureOutcome } from '../reproduce/run.js';
import { backendOption } from './options.js';

export function reproduceCommand(): Command {
  return new Command('reproduce')
    .description("re-create the paper's Figures 3-5 and check their claims by number (exit 0 only if all pass)")
    .addArgument(new Argument('<figure>', `figure to reproduce, or all`).choices([...FIGURES.map((f) => f.id), 'all']))
    .option('--out <dir>', 'parent directory of the report (default: runs/reproduce-<timestamp>)')
    .addOption(backendOption())
    .action(async (which: string, flags: { out?: string; backend?: BackendName }) => {
      const { claimsTable, reportMarkdown, reportPath, reproduceFigure } = await import('../reproduce/run.js');
      const figures = which === 'all' ? FIGURES : [figureById(which)!];
      const dir = flags.out ?? join('runs', `reproduce-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-')}`);
      try {
        mkdirSync(dir, { recursive: true });
      } catch (e) {
        throw new BimtError(`cannot create ${dir}: ${(e as Error).message}`);
      }
      const backend = await selectBackend(flags.backend);
      process.stderr.write(`bimt: backend ${backend.name}; reproducing ${figures.map((f) => f.id).join(', ')} into ${dir}\n`);
      const outcomes: FigureOutcome[] = [];
      for (const fig of figures) {
        outcomes.push(await reproduceFigure(fig, dir, backend, (s) => process.stderr.write(`${s}\n`)));
        writeFileAtomic(reportPath(dir), reportMarkdown(outcomes, dir, backend.name));
      }
      process.stdout.write(claimsTable(outcomes));
      const failed = outcomes.flatMap((o) => o.claims).filter((c) => !c.pass).length;
      process.stdout.write(`${failed === 0 ? 'all claims pass' : `${failed} claim(s) FAIL`}; report: ${reportPath(dir)}\n`);
      if (failed > 0) process.exitCode = 1;
    });
}
