/** `bimt ls [runs dir]`: one line per run: name, status, task, steps, final test metric. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { BimtError } from '../errors.js';
import { readMetrics } from '../runs/metrics.js';
import { liveStatus } from '../runs/lock.js';
import { readMeta, runPaths } from '../runs/run-dir.js';

export function lsCommand(): Command {
  return new Command('ls')
    .description('list the runs in a runs directory with status, task, steps done and final test metric')
    .argument('[runs dir]', 'directory holding run directories', 'runs')
    .action((dir: string) => {
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new BimtError(`${dir}: no such runs directory`);
      const rows = [['run', 'status', 'task', 'steps', 'test metric']];
      for (const name of readdirSync(dir).sort()) {
        const paths = runPaths(join(dir, name));
        if (!existsSync(paths.meta)) continue;
        try {
          const meta = readMeta(paths);
          rows.push([name, liveStatus(paths, meta), meta.task, `${meta.steps_done}/${meta.total_steps}`, finalMetric(paths.metrics)]);
        } catch {
          rows.push([name, 'unreadable', '-', '-', '-']);
        }
      }
      if (rows.length === 1) {
        process.stdout.write(`no runs in ${dir}\n`);
        return;
      }
      const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
      for (const r of rows) process.stdout.write(`${r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()}\n`);
    });
}

function finalMetric(metricsFile: string): string {
  if (!existsSync(metricsFile)) return '-';
  try {
    const last = readMetrics(metricsFile).at(-1);
    if (!last) return '-';
    return last.test_acc !== null ? `acc ${last.test_acc.toFixed(4)} (step ${last.step})` : `loss ${last.test_loss.toExponential(3)} (step ${last.step})`;
  } catch {
    return '-';
  }
}
