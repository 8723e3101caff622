/**
 * `bimt compare <runs or directories...> [--csv | --markdown] [--plot <key> [--metric m] [--out f]]`:
 * one table of the runs (src/runs/compare.ts): the config keys that differ, final metrics, the
 * pruned graph's size and modularity, wall time; with --plot, also an SVG of a metric against a
 * swept key (src/plot/compare-plot.ts). A directory that is not a run (a sweep, a reproduce
 * directory, runs/) stands for every run inside it.
 */
import { existsSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Command } from 'commander';
import { BimtError } from '../errors.js';
import type { NamedRun } from '../runs/compare.js';
import { findRuns, realPath, runPaths } from '../runs/run-dir.js';

interface CompareFlags {
  csv?: boolean;
  markdown?: boolean;
  plot?: string;
  metric?: string;
  out?: string;
}

/** --metric's names, as COMPARE_METRICS has them (kept here so that --help loads no run code). */
const METRIC_NAMES = 'test_acc, test_loss, train_acc, train_loss, connection_cost, weights_kept, hidden_alive, modules, Q, wall_s';

export function compareCommand(): Command {
  return new Command('compare')
    .description('compare runs in one table: the config keys that differ, final metrics, weights kept, neurons alive, modules, modularity Q, wall time; --plot draws a metric against a swept key')
    .argument('<runs...>', 'run directories, or directories holding runs (a sweep, a reproduce directory, runs/)')
    .option('--csv', 'write the table as CSV')
    .option('--markdown', 'write the table as a Markdown table')
    .option(
      '--plot <key>',
      'also draw an SVG of --metric against this config key (dotted, as the table names it: lambda.initial): runs that differ only in seed, task.seed or model.seed are averaged (mean line, min-max band, each run a dot); one line per combination of the other keys that differ. The x axis is log when every value is a positive number and the largest is at least 10 times the smallest, linear for other numbers, categorical (in value order) otherwise',
    )
    .option('--metric <name>', `with --plot: the metric, one of ${METRIC_NAMES} (default: test_acc where the runs have it, else test_loss)`)
    .option('--out <file.svg>', 'with --plot: the SVG to write (default: compare-<key>-<metric>.svg inside the directory of runs when that is the one argument, else in the current directory)')
    .action(async (targets: string[], flags: CompareFlags) => {
      if (flags.csv && flags.markdown) throw new BimtError('--csv and --markdown: give one of them, or neither for aligned text');
      if (flags.plot === undefined && (flags.metric !== undefined || flags.out !== undefined)) throw new BimtError(`${flags.metric !== undefined ? '--metric' : '--out'} goes with --plot <key>: give the config key to plot against`);
      const { compareTable, readRunRecords, tableCsv, tableMarkdown, tableText } = await import('../runs/compare.js');
      const runs: NamedRun[] = [];
      let sweepDir: string | undefined;
      // Real paths of the runs and directories taken: a run reached twice (named twice, or through a link) is compared once.
      const seen = new Set<string>();
      for (const t of targets) {
        if (!existsSync(t) || !statSync(t).isDirectory()) throw new BimtError(`${t}: no such run directory or directory of runs`);
        const paths = runPaths(t);
        if (existsSync(paths.meta)) {
          const real = realPath(t);
          if (real !== undefined && !seen.has(real)) runs.push({ paths, name: t });
          if (real !== undefined) seen.add(real);
          continue;
        }
        // A directory of runs: each named by its path inside it, after the directory when there are several.
        const inside = findRuns(t, seen);
        // (None new may only mean they were all taken already; a walk of its own tells.)
        if (inside.length === 0 && findRuns(t).length === 0) throw new BimtError(`${t}: neither a run directory nor a directory holding runs`);
        for (const p of inside) runs.push({ paths: p, name: targets.length === 1 ? relative(t, p.root) : join(t, relative(t, p.root)) });
        if (targets.length === 1) sweepDir = t;
      }
      const records = readRunRecords(runs);
      // The plot's errors (a key or metric that does not fit) come before any output.
      let svg: { path: string; text: string } | undefined;
      if (flags.plot !== undefined) {
        const { comparePlotData, comparePlotSvg } = await import('../plot/compare-plot.js');
        const data = comparePlotData(records, flags.plot, flags.metric);
        const path = flags.out ?? join(sweepDir ?? '.', `compare-${flags.plot}-${data.metric.name}.svg`);
        svg = { path, text: comparePlotSvg(data) };
      }
      const table = compareTable(records);
      process.stdout.write(flags.csv ? tableCsv(table) : flags.markdown ? tableMarkdown(table) : tableText(table));
      if (svg) {
        const { writeOutputFile } = await import('../runs/atomic.js');
        writeOutputFile(svg.path, svg.text);
        // After a CSV or Markdown table, stdout stays that table alone.
        (flags.csv || flags.markdown ? process.stderr : process.stdout).write(`wrote ${svg.path}\n`);
      }
    });
}
