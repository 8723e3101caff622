/**
 * REPORT.md of a `bimt reproduce` directory. Each figure's results are saved in its own run
 * directory (`<out>/<figure>/reproduce.json`) and the report is written from every figure found
 * in the directory, so reproducing fig3a into a directory that already holds fig4 adds a section
 * instead of replacing the report.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { writeFileAtomic } from '../runs/atomic.js';
import { describeFsError, readRegularFile } from '../util/files.js';
import type { ClaimResult } from './claims.js';
import { FIGURES, type FigureSpec } from './figures.js';

/** What one reproduced figure leaves for the report. */
export interface FigureRecord {
  readonly figure: string;
  readonly backend: string;
  readonly seconds: number;
  readonly claims: readonly ClaimResult[];
  /** The plots, relative to the figure's run directory. */
  readonly plots: readonly string[];
}

const RECORD_FILE = 'reproduce.json';
/** A record is a few kilobytes; anything larger was not written by bimt. */
const MAX_RECORD_BYTES = 1 << 20;

/** The run directory a figure is reproduced into. */
export function figureRunDir(outDir: string, fig: FigureSpec): string {
  return join(outDir, fig.id);
}

export function reportPath(dir: string): string {
  return join(dir, 'REPORT.md');
}

export function saveRecord(outDir: string, record: FigureRecord): void {
  writeFileAtomic(join(outDir, record.figure, RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

/**
 * REPORT.md for every figure reproduced into `outDir`, in the paper's order. A record that cannot
 * be read is named in the report rather than dropped silently.
 */
export function writeReport(outDir: string): string {
  const sections: string[] = [];
  const backends = new Set<string>();
  let all = true;
  for (const fig of FIGURES) {
    const file = join(figureRunDir(outDir, fig), RECORD_FILE);
    if (!existsSync(file)) continue;
    let record: FigureRecord;
    try {
      record = parseRecord(readRegularFile(file, 'reproduce record', MAX_RECORD_BYTES).toString('utf8'));
    } catch (e) {
      all = false;
      sections.push(`## ${fig.title}`, '', `${relative(outDir, file)} cannot be read (${e instanceof Error ? e.message : describeFsError(e)}).`, '');
      continue;
    }
    backends.add(record.backend);
    all &&= record.claims.every((c) => c.pass);
    sections.push(...figureSection(outDir, fig, record));
  }
  const text = [
    "# bimt reproduce: the paper's figures, checked by number",
    '',
    `Liu, Gan & Tegmark (2023), "Seeing is Believing" (arXiv 2305.08746). Backend: ${[...backends].join(', ') || '-'}. ` +
      `Overall: **${all ? 'every claim passes' : 'some claims FAIL'}**.`,
    '',
    ...sections,
  ].join('\n');
  const path = reportPath(outDir);
  writeFileAtomic(path, text);
  return path;
}

function parseRecord(text: string): FigureRecord {
  const r = JSON.parse(text) as Partial<FigureRecord> | null;
  const ok = typeof r?.backend === 'string' && typeof r.seconds === 'number' && Array.isArray(r.claims) && Array.isArray(r.plots);
  if (!ok) throw new Error('not a record written by bimt reproduce');
  return r as FigureRecord;
}

function figureSection(outDir: string, fig: FigureSpec, r: FigureRecord): string[] {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const run = relative(outDir, figureRunDir(outDir, fig));
  const lines = [`## ${fig.title}`, '', `> ${fig.paper}`, ''];
  if (fig.note) lines.push(fig.note, '');
  lines.push(`Config \`${fig.config}\`, run \`${run}\`, backend ${r.backend}, ${r.seconds.toFixed(0)} s.`, '');
  lines.push('| claim | reference | this run | result |', '|---|---|---|---|');
  for (const c of r.claims) lines.push(`| ${esc(c.claim)} | ${esc(c.reference)} | ${esc(c.measured)} | ${c.pass ? 'pass' : '**FAIL**'} |`);
  lines.push('');
  for (const p of r.plots) lines.push(`![${p.split('/').pop()}](${join(run, p)})`);
  lines.push('');
  return lines;
}
