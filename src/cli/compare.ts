/**
 * `bimt compare <runs or directories...> [--csv | --markdown]`: one table of the runs (src/runs/
 * compare.ts): the config keys that differ, final metrics, the pruned graph's size and
 * modularity, wall time. A directory that is not a run (a sweep, a reproduce directory, runs/)
 * stands for every run inside it.
 */
import { existsSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Command } from 'commander';
import { BimtError } from '../errors.js';
import type { NamedRun } from '../runs/compare.js';
import { findRuns, runPaths } from '../runs/run-dir.js';

export function compareCommand(): Command {
  return new Command('compare')
    .description('compare runs in one table: the config keys that differ, final metrics, weights kept, neurons alive, modules, modularity Q, wall time')
    .argument('<runs...>', 'run directories, or directories holding runs (a sweep, a reproduce directory, runs/)')
    .option('--csv', 'write the table as CSV')
    .option('--markdown', 'write the table as a Markdown table')
    .action(async (targets: string[], flags: { csv?: boolean; markdown?: boolean }) => {
      if (flags.csv && flags.markdown) throw new BimtError('--csv and --markdown: give one of them, or neither for aligned text');
      const { compareRuns, tableCsv, tableMarkdown, tableText } = await import('../runs/compare.js');
      const runs: NamedRun[] = [];
      for (const t of targets) {
        if (!existsSync(t) || !statSync(t).isDirectory()) throw new BimtError(`${t}: no such run directory or directory of runs`);
        const paths = runPaths(t);
        if (existsSync(paths.meta)) {
          runs.push({ paths, name: t });
          continue;
        }
        // A directory of runs: each named by its path inside it, after the directory when there are several.
        const inside = findRuns(t);
        if (inside.length === 0) throw new BimtError(`${t}: neither a run directory nor a directory holding runs`);
        for (const p of inside) runs.push({ paths: p, name: targets.length === 1 ? relative(t, p.root) : join(t, relative(t, p.root)) });
      }
      const table = compareRuns(runs);
      process.stdout.write(flags.csv ? tableCsv(table) : flags.markdown ? tableMarkdown(table) : tableText(table));
    });
}
