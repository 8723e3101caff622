/**
 * `bimt ls [runs dir]`: one line per run, runs nested in reproduce or sweep directories included:
 *
 *   run  status  task  steps  checkpoint  test metric
 *
 * `steps` is the run's progress (the newest step its files record, of the total), `checkpoint` the
 * step a resume continues from, and the metric is the newest metrics row's, whose step is named
 * only when it is not the progress step. A run whose meta.json cannot be read is listed as
 * `unreadable`, with the reason on stderr, and the others are listed as usual. Every cell comes from
 * a directory's name or a file, and is printed with its control characters escaped (terminalText).
 */
import { existsSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { Command } from 'commander';
import { BimtError } from '../errors.js';
import { liveStatus } from '../runs/lock.js';
import { headlineMetric, lastMetricsRow } from '../runs/metrics.js';
import { findRuns, readMeta, resumableStep } from '../runs/run-dir.js';
import { terminalText } from '../util/excerpt.js';

export function lsCommand(): Command {
  return new Command('ls')
    .description('list the runs in a runs directory (and in reproduce or sweep directories inside it) with status, task, progress and newest test metric')
    .argument('[runs dir]', 'directory holding run directories', 'runs')
    .action((dir: string) => {
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new BimtError(`${dir}: no such runs directory`);
      const rows = [['run', 'status', 'task', 'steps', 'checkpoint', 'test metric']];
      for (const paths of findRuns(dir)) {
        const name = relative(dir, paths.root);
        try {
          const meta = readMeta(paths);
          const last = lastMetricsRow(paths.metrics);
          const progress = Math.max(last?.step ?? 0, meta.steps_done);
          const metric = last === undefined ? '-' : `${headlineMetric(last)}${last.step === progress ? '' : ` (step ${last.step})`}`;
          rows.push([name, liveStatus(paths, meta), meta.task, `${progress}/${meta.total_steps}`, String(resumableStep(paths, meta) ?? '-'), metric]);
        } catch (e) {
          rows.push([name, 'unreadable', '-', '-', '-', '-']);
          process.stderr.write(`bimt: ${terminalText(e instanceof Error ? e.message : String(e))}\n`);
        }
      }
      if (rows.length === 1) {
        process.stdout.write(`no runs in ${dir}\n`);
        return;
      }
      const shown = rows.map((r) => r.map(terminalText));
      const widths = shown[0].map((_, c) => Math.max(...shown.map((r) => r[c].length)));
      for (const r of shown) process.stdout.write(`${r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()}\n`);
    });
}
