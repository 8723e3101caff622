/**
 * metrics.csv: one row per evaluation, formatted by csv-writer. Each row is appended whole before
 * training goes on, and a row whose write fails (a full disk) is cut back, so an interrupted or
 * failed run keeps every row it reported and never a partial one (resume truncates to the
 * checkpoint's step).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createObjectCsvStringifier } from 'csv-writer';
import { appendWhole, writeFileAtomic } from './atomic.js';
import { BimtError } from '../errors.js';

export interface MetricsRow {
  readonly step: number;
  readonly lambda: number;
  readonly train_loss: number;
  readonly test_loss: number;
  /** null for regression tasks (written as an empty cell). */
  readonly train_acc: number | null;
  readonly test_acc: number | null;
  readonly connection_cost: number;
  /** Weights with |w| above output.snapshot_threshold. */
  readonly weights_above_threshold: number;
  /** Swaps made since the previous row. */
  readonly swaps: number;
}

export const METRICS_COLUMNS = [
  'step',
  'lambda',
  'train_loss',
  'test_loss',
  'train_acc',
  'test_acc',
  'connection_cost',
  'weights_above_threshold',
  'swaps',
] as const satisfies readonly (keyof MetricsRow)[];

export class MetricsWriter {
  private readonly csv = createObjectCsvStringifier({ header: METRICS_COLUMNS.map((id) => ({ id, title: id })) });

  /** `append` continues an existing file (resume) instead of starting one with a header. */
  constructor(
    private readonly path: string,
    append = false,
  ) {
    if (!append || !existsSync(path)) writeFileAtomic(path, this.csv.getHeaderString() ?? '');
  }

  append(row: MetricsRow): void {
    const cells: Record<string, string | number> = {};
    for (const c of METRICS_COLUMNS) cells[c] = formatCell(row[c]);
    appendWhole(this.path, this.csv.stringifyRecords([cells]));
  }
}

/** Shortest text that reads back to the same float64 (JS's own round-trip formatting). */
function formatCell(v: number | null): string {
  return v === null ? '' : String(v);
}

export function readMetrics(path: string): MetricsRow[] {
  if (!existsSync(path)) throw new BimtError(`${path}: no metrics file`);
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);
  const head = lines[0]?.split(',') ?? [];
  if (head.join(',') !== METRICS_COLUMNS.join(',')) throw new BimtError(`${path}: unexpected header "${lines[0] ?? ''}"`);
  return lines.slice(1).map((line, i) => {
    const cells = line.split(',');
    if (cells.length !== METRICS_COLUMNS.length) throw new BimtError(`${path}:${i + 2}: expected ${METRICS_COLUMNS.length} cells`);
    const num = (k: number) => Number(cells[k]);
    const opt = (k: number) => (cells[k] === '' ? null : Number(cells[k]));
    return {
      step: num(0),
      lambda: num(1),
      train_loss: num(2),
      test_loss: num(3),
      train_acc: opt(4),
      test_acc: opt(5),
      connection_cost: num(6),
      weights_above_threshold: num(7),
      swaps: num(8),
    };
  });
}

/**
 * Keeps the header and the complete rows up to `maxStep` (resume: rows after the saved state are
 * recomputed; a row cut off by a kill has no newline and is dropped).
 */
export function truncateMetrics(path: string, maxStep: number): void {
  if (!existsSync(path)) return;
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const complete = lines.slice(0, -1); // after the last newline: '' or a partial row
  const kept = complete.filter((line, i) => i === 0 || (line.split(',').length === METRICS_COLUMNS.length && Number(line.split(',')[0]) <= maxStep));
  writeFileAtomic(path, kept.map((l) => `${l}\n`).join(''));
}
