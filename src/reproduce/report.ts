/**
 * REPORT.md of a `bimt reproduce` directory. Each figure's results are saved in its own directory
 * (`<out>/<figure>/reproduce.json`: the figure's run, or the directory of its runs) and the report
 * is written from every figure found in the directory, so reproducing fig3a into a directory that
 * already holds fig4 adds a section instead of replacing the report.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { writeFileAtomic } from '../runs/atomic.js';
import { describeFsError, readRegularFile } from '../util/files.js';
import type { ClaimResult } from './claims.js';
import { isRunsFigure, type FigureSpec, type ReportTable } from './figure-spec.js';
import { FIGURES } from './figures.js';


/** What one reproduced figure leaves for the report. */
export interface FigureRecord {
  readonly figure: string;
  /** The backend that pruned and evaluated the runs (trainedWith says what trained them). */
  readonly backend: string;
  /**
   * What trained the figure's runs (src/runs/run-dir.ts trainedWith: `the host engine`, `tfjs on
   * wasm`; several joined by commas). Absent in records written before it was kept.
   */
  readonly trained?: string;
  readonly seconds: number;
  readonly claims: readonly ClaimResult[];
  /** A figure of several runs: tables of them. */
  readonly tables?: readonly ReportTable[];
  /** The plots, relative to the figure's directory. */
  readonly plots: readonly string[];
}

const RECORD_FILE = 'reproduce.json';
/** A record is a few kilobytes; anything larger was not written by bimt. */
const MAX_RECORD_BYTES = 1 << 20;

/** The directory a figure is reproduced into: its run, or the directory of its runs. */
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
 * REPORT.md for every figure reproduced into `outDir`, in the paper's order (that of `figures`). A
 * record that cannot be read is named in the report rather than dropped silently.
 */
export function writeReport(outDir: string, figures: readonly FigureSpec[] = FIGURES): string {
  const sections: string[] = [];
  const backends = new Set<string>();
  const trained = new Set<string>();
  let all = true;
  for (const fig of figures) {
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
    if (record.trained !== undefined) trained.add(record.trained);
    all &&= record.claims.every((c) => c.pass);
    sections.push(...figureSection(outDir, fig, record));
  }
  const text = [
    "# bimt reproduce: the paper's figures, checked by number",
    '',
    `Liu, Gan & Tegmark (2023), "Seeing is Believing" (arXiv 2305.08746). Trained with ${[...trained].join(', ') || '-'}; ` +
      `pruned and evaluated on ${[...backends].join(', ') || '-'}. ` +
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
  const ok =
    typeof r?.backend === 'string' && (r.trained === undefined || typeof r.trained === 'string') && typeof r.seconds === 'number' && Array.isArray(r.claims) && Array.isArray(r.plots) && (r.tables === undefined || Array.isArray(r.tables));
  if (!ok) throw new Error('not a record written by bimt reproduce');
  return r as FigureRecord;
}

function figureSection(outDir: string, fig: FigureSpec, r: FigureRecord): string[] {
  const run = relative(outDir, figureRunDir(outDir, fig));
  // The runs may train on the host engine and be pruned and evaluated on a tfjs backend: both said.
  const ran = `trained with ${r.trained ?? 'an unrecorded engine'}, pruned and evaluated on ${r.backend}`;
  const lines = [`## ${fig.title}`, '', `> ${fig.paper}`, ''];
  if (fig.note) lines.push(fig.note, '');
  if (isRunsFigure(fig)) {
    const configs = [...new Set(fig.runs.map((x) => `\`${x.config}\``))].join(', ');
    lines.push(
      `${fig.runs.length} runs in \`${run}/\`, one per variant and seed, from ${configs} (\`bimt compare ${run}\` tabulates them); ` +
        `${ran}, ${r.seconds.toFixed(0)} s.`,
      '',
    );
  } else lines.push(`Config \`${fig.config}\`, run \`${run}\`, ${ran}, ${r.seconds.toFixed(0)} s.`, '');
  for (const t of r.tables ?? []) lines.push(t.caption, '', ...markdownTable(t.header, t.rows), '');
  lines.push(
    ...markdownTable(
      ['claim', 'reference', 'this run', 'result'],
      r.claims.map((c) => [esc(c.claim), esc(c.reference), esc(c.measured), c.pass ? 'pass' : '**FAIL**']),
    ),
  );
  lines.push('');
  // Named by the run when the figure has several (l1-s0: network-pruned-step-020000.svg).
  for (const p of r.plots) lines.push(`![${p.split('/').filter((x) => x !== 'plots').join(': ')}](${join(run, p)})`);
  lines.push('');
  return lines;
}

const esc = (s: string) => s.replace(/\|/g, '\\|');

function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')).replace(/ /g, ''), ...rows.map(line)];
}
