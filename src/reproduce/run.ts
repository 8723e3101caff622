/**
 * `bimt reproduce`: for each figure, train its paper config into <out>/<figure>/, prune the final
 * checkpoint, draw the plots and evaluate the claims (REPORT.md: report.ts). Training, pruning
 * and plotting are the same code the commands use.
 */
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import type { BackendChoice } from '../backend.js';
import { loadConfig } from '../config/load.js';
import { BimtError } from '../errors.js';
import { plotRun } from '../plot/run-plots.js';
import { openCheckpoint } from '../runs/open.js';
import { pruneAndSave } from '../train/prune-run.js';
import { runTraining } from '../train/run.js';
import { packagePath } from '../util/package-files.js';
import type { FigureSpec } from './figures.js';
import { figureRunDir, saveRecord, type FigureRecord } from './report.js';

export interface FigureOutcome {
  readonly figure: FigureSpec;
  /** What REPORT.md shows of it (src/reproduce/report.ts). */
  readonly record: FigureRecord;
}

/** Reproduces a figure into figureRunDir(outDir, fig), which must not exist yet, and saves its record there. */
export async function reproduceFigure(fig: FigureSpec, outDir: string, backend: BackendChoice, log: (s: string) => void): Promise<FigureOutcome> {
  const started = Date.now();
  const { config } = loadConfig(packagePath(fig.config));
  log(`${fig.id}: training ${fig.config} (${config.train.steps} steps)`);
  const run = await runTraining({ config, name: fig.id, exactName: true, backend, runsDir: outDir });
  if (run.status === 'interrupted') {
    // Stopped like any interrupted run (exit 130); REPORT.md already holds the figures finished before.
    throw new BimtError(`${fig.id}: interrupted; continue its training with: bimt train --resume ${run.paths.root}`, 130);
  }
  if (run.status !== 'completed') throw new BimtError(`${fig.id}: training ${run.status}`, 1);

  const opened = openCheckpoint(run.paths.root);
  const threshold = opened.plan.output.pruneThreshold;
  const saved = pruneAndSave(opened, threshold);

  const plots = [
    ...plotRun(opened, { kinds: ['curves', 'network', 'task'] }),
    // Receptive fields only where the input is a grid (plotRun leaves them out of several kinds otherwise).
    ...plotRun(opened, { kinds: ['network', 'task', 'fields'], pruned: true, threshold }),
  ];
  const claims = fig.claims({ trained: saved.before, pruned: { net: saved.net, graph: saved.graph, evaluation: saved.after } });
  const record: FigureRecord = {
    figure: fig.id,
    backend: backend.name,
    seconds: (Date.now() - started) / 1000,
    claims,
    plots: plots.map((p) => relative(opened.paths.root, p)),
  };
  saveRecord(outDir, record);
  return { figure: fig, record };
}

/**
 * Refuses, before anything runs, an output directory where one of the figures was reproduced
 * already: its run directory would collide, and its REPORT.md section would no longer match it.
 */
export function checkFiguresNew(outDir: string, figures: readonly FigureSpec[]): void {
  const done = figures.filter((f) => existsSync(figureRunDir(outDir, f)));
  if (done.length === 0) return;
  const dirs = done.map((f) => figureRunDir(outDir, f)).join(', ');
  const one = done.length === 1;
  throw new BimtError(
    `${dirs} already ${one ? 'exists' : 'exist'}: ${done.map((f) => f.id).join(', ')} ${one ? 'was' : 'were'} reproduced into ${outDir} before; ` +
      `remove ${one ? 'it' : 'them'} or give another --out`,
  );
}

/** The console table: one line per claim. */
export function claimsTable(outcomes: readonly FigureOutcome[]): string {
  const rows = [['figure', 'claim', 'reference', 'this run', 'result']];
  for (const o of outcomes) for (const c of o.record.claims) rows.push([o.figure.id, c.claim, c.reference, c.measured, c.pass ? 'pass' : 'FAIL']);
  const clip = (s: string) => (s.length > 70 ? `${s.slice(0, 67)}...` : s);
  const cells = rows.map((r) => r.map(clip));
  const widths = cells[0].map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  return cells.map((r) => r.map((x, c) => x.padEnd(widths[c])).join('  ').trimEnd()).join('\n') + '\n';
}
