/**
 * `bimt reproduce`: for each figure, train its paper config into <out>/<figure>/ (a comparison:
 * each of its runs into <out>/<figure>/<run>/), prune the final checkpoint, draw the plots and
 * evaluate the claims (REPORT.md: report.ts). Training, pruning and plotting are the same code
 * the commands use.
 */
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import type { BackendChoice } from '../backend.js';
import { loadConfig } from '../config/load.js';
import { BimtError } from '../errors.js';
import { plotRun } from '../plot/run-plots.js';
import { openCheckpoint, type OpenedCheckpoint } from '../runs/open.js';
import { trainedWith } from '../runs/run-dir.js';
import { pruneAndSave, type SavedPrune } from '../train/prune-run.js';
import { runTraining } from '../train/run.js';
import { packagePath } from '../util/package-files.js';
import { isRunsFigure, type FigureSpec, type PanelFigure, type PanelOutputs, type RunOutputs, type RunsFigure } from './figure-spec.js';
import { figureRunDir, saveRecord, type FigureRecord } from './report.js';
import { knockOutsOf } from './knock-outs.js';
import { bimtCommand } from '../util/invocation.js';

export interface FigureOutcome {
  readonly figure: FigureSpec;
  /** What REPORT.md shows of it (src/reproduce/report.ts). */
  readonly record: FigureRecord;
}

/**
 * Reproduces a figure into figureRunDir(outDir, fig), which must not exist yet, and saves its
 * record there: a panel's one run is that directory, a comparison's runs are directories in it.
 */
export async function reproduceFigure(fig: FigureSpec, outDir: string, backend: BackendChoice, log: (s: string) => void): Promise<FigureOutcome> {
  const record = isRunsFigure(fig) ? await reproduceRuns(fig, outDir, backend, log) : await reproducePanel(fig, outDir, backend, log);
  saveRecord(outDir, record);
  return { figure: fig, record };
}

async function reproducePanel(fig: PanelFigure, outDir: string, backend: BackendChoice, log: (s: string) => void): Promise<FigureRecord> {
  const started = Date.now();
  const opened = await trainRun({ label: fig.id, name: fig.id, config: fig.config, sets: [] }, outDir, backend, log);
  const threshold = opened.plan.output.pruneThreshold;
  const saved = pruneAndSave(opened, threshold);
  const plots = [
    ...plotRun(opened, { kinds: ['curves', 'network', 'task'] }),
    // Receptive fields only where the input is a grid (plotRun leaves them out of several kinds otherwise).
    ...plotRun(opened, { kinds: ['network', 'task', 'fields'], pruned: true, threshold }),
  ];
  return {
    figure: fig.id,
    backend: backend.name,
    trained: trainedWith(opened.meta),
    seconds: (Date.now() - started) / 1000,
    claims: fig.claims(outputsOf(saved, opened)),
    plots: plots.map((p) => relative(opened.paths.root, p)),
  };
}

/**
 * Trains a comparison's runs one after another in this process, each into <out>/<figure>/<run>/
 * and pruned there as `bimt prune` would; the claims and tables read all of them.
 */
async function reproduceRuns(fig: RunsFigure, outDir: string, backend: BackendChoice, log: (s: string) => void): Promise<FigureRecord> {
  const started = Date.now();
  const dir = figureRunDir(outDir, fig);
  const outputs: RunOutputs[] = [];
  const plots: string[] = [];
  const trained = new Set<string>();
  for (const [i, run] of fig.runs.entries()) {
    const label = `${fig.id}/${run.name}`;
    const opened = await trainRun({ label, of: ` (${i + 1} of ${fig.runs.length})`, name: run.name, config: run.config, sets: run.sets }, dir, backend, log);
    const threshold = opened.plan.output.pruneThreshold;
    const saved = pruneAndSave(opened, threshold);
    trained.add(trainedWith(opened.meta));
    if (fig.drawn(run)) plots.push(...plotRun(opened, { kinds: ['network'], pruned: true, threshold }).map((p) => relative(dir, p)));
    outputs.push({ run, ...outputsOf(saved, opened) });
  }
  return {
    figure: fig.id,
    backend: backend.name,
    trained: [...trained].join(', '),
    seconds: (Date.now() - started) / 1000,
    claims: fig.claims(outputs),
    tables: fig.tables(outputs),
    plots,
  };
}

interface RunRequest {
  /** Names the run in the log and in errors. */
  readonly label: string;
  /** Where it stands among the figure's runs, for the log: " (3 of 40)". */
  readonly of?: string;
  readonly name: string;
  readonly config: string;
  readonly sets: readonly string[];
}

/** Trains a config shipped with bimt into runsDir/<name>/ and opens its final checkpoint; anything but completion stops the figure. */
async function trainRun(req: RunRequest, runsDir: string, backend: BackendChoice, log: (s: string) => void): Promise<OpenedCheckpoint> {
  const { config, plan } = loadConfig(packagePath(req.config), req.sets);
  log(`${req.label}${req.of ?? ''}: training ${[req.config, ...req.sets.map((s) => `--set ${s}`)].join(' ')} (${config.train.steps} steps)`);
  const source = req.sets.length > 0 ? { source: { file: req.config, sets: req.sets } } : {};
  const run = await runTraining({ config, plan, name: req.name, exactName: true, backend, runsDir, ...source });
  if (run.status === 'interrupted') {
    // Stopped like any interrupted run (exit 130); REPORT.md already holds the figures finished before.
    throw new BimtError(`${req.label}: interrupted; continue its training with: ${bimtCommand('train', '--resume', run.paths.root)}`, 130);
  }
  if (run.status !== 'completed') throw new BimtError(`${req.label}: training ${run.status}`, 1);
  return openCheckpoint(run.paths.root);
}

function outputsOf(saved: SavedPrune, opened: OpenedCheckpoint): PanelOutputs {
  return { trained: saved.before, pruned: { net: saved.net, graph: saved.graph, evaluation: saved.after }, knockOuts: knockOutsOf(opened) };
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
