/**
 * `bimt reproduce`: for each figure, train its paper config into <out>/<figure>/, prune the final
 * checkpoint, draw the plots, evaluate the claims, and write REPORT.md with every figure beside
 * its numbers. Training, pruning and plotting are the same code the commands use.
 */
import { join, relative } from 'node:path';
import type { BackendChoice } from '../backend.js';
import { loadConfig } from '../config/load.js';
import { BimtError } from '../errors.js';
import { plotRun } from '../plot/run-plots.js';
import { openCheckpoint } from '../runs/open.js';
import { pruneAndSave } from '../train/prune-run.js';
import { runTraining } from '../train/run.js';
import type { ClaimResult } from './claims.js';
import type { FigureSpec } from './figures.js';

export interface FigureOutcome {
  readonly figure: FigureSpec;
  readonly runDir: string;
  readonly claims: ClaimResult[];
  readonly plots: string[];
  readonly seconds: number;
}

export async function reproduceFigure(fig: FigureSpec, outDir: string, backend: BackendChoice, log: (s: string) => void): Promise<FigureOutcome> {
  const started = Date.now();
  const { config } = loadConfig(fig.config);
  log(`${fig.id}: training ${fig.config} (${config.train.steps} steps)`);
  const run = await runTraining({ config, name: fig.id, exactName: true, backend, runsDir: outDir });
  if (run.status !== 'completed') throw new BimtError(`${fig.id}: training ${run.status}`, 1);

  const opened = openCheckpoint(run.paths.root);
  const threshold = config.output.prune_threshold;
  const saved = pruneAndSave(opened, threshold);

  const plots = [
    ...plotRun(opened, { kinds: ['curves', 'network', 'task'] }),
    ...plotRun(opened, { kinds: ['network', 'task'], pruned: true, threshold }),
  ];
  const claims = fig.claims({ trained: saved.before, pruned: { net: saved.net, graph: saved.graph, evaluation: saved.after } });
  return { figure: fig, runDir: run.paths.root, claims, plots, seconds: (Date.now() - started) / 1000 };
}

/** The console table: one line per claim. */
export function claimsTable(outcomes: readonly FigureOutcome[]): string {
  const rows = [['figure', 'claim', 'reference', 'this run', 'result']];
  for (const o of outcomes) for (const c of o.claims) rows.push([o.figure.id, c.claim, c.reference, c.measured, c.pass ? 'pass' : 'FAIL']);
  const clip = (s: string) => (s.length > 70 ? `${s.slice(0, 67)}...` : s);
  const cells = rows.map((r) => r.map(clip));
  const widths = cells[0].map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  return cells.map((r) => r.map((x, c) => x.padEnd(widths[c])).join('  ').trimEnd()).join('\n') + '\n';
}

export function reportMarkdown(outcomes: readonly FigureOutcome[], reportDir: string, backend: string): string {
  const all = outcomes.every((o) => o.claims.every((c) => c.pass));
  const lines = [
    '# bimt reproduce: the paper\'s figures, checked by number',
    '',
    `Liu, Gan & Tegmark (2023), "Seeing is Believing" (arXiv 2305.08746). Backend: ${backend}. ` +
      `Overall: **${all ? 'every claim passes' : 'some claims FAIL'}**.`,
    '',
  ];
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  for (const o of outcomes) {
    lines.push(`## ${o.figure.title}`, '', `> ${o.figure.paper}`, '');
    if (o.figure.note) lines.push(o.figure.note, '');
    lines.push(`Config \`${o.figure.config}\`, run \`${relative(reportDir, o.runDir)}\`, ${o.seconds.toFixed(0)} s.`, '');
    lines.push('| claim | reference | this run | result |', '|---|---|---|---|');
    for (const c of o.claims) lines.push(`| ${esc(c.claim)} | ${esc(c.reference)} | ${esc(c.measured)} | ${c.pass ? 'pass' : '**FAIL**'} |`);
    lines.push('');
    for (const p of o.plots) lines.push(`![${p.split('/').pop()}](${relative(reportDir, p)})`);
    lines.push('');
  }
  return lines.join('\n');
}

export function reportPath(dir: string): string {
  return join(dir, 'REPORT.md');
}
