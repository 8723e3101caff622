/**
 * metrics.csv: one row per evaluation, formatted by csv-writer. Each row is appended whole before
 * training goes on, and a row whose write fails (a full disk) is cut back, so an interrupted or
 * failed run keeps every row it reported and never a partial one (a resume checks the rows and
 * cuts them back to its state: resume-check.ts).
 *
 * The first nine columns are the same for every task. A regression task with k > 1 outputs adds
 * the mean squared error of each output, `train_loss_1..k` then `test_loss_1..k` (outputs in the
 * task's order), so an output that collapsed to a constant shows in the numbers, not only in a plot.
 */
import { existsSync } from 'node:fs';
import { createObjectCsvStringifier } from 'csv-writer';
import { appendWhole, writeFileAtomic } from './atomic.js';
import { BimtError } from '../errors.js';
import type { TaskInstance } from '../tasks/task.js';
import { readRegularFile } from '../util/files.js';

/** Per-output losses, index i for output i + 1. */
export interface OutputLosses {
  readonly train: readonly number[];
  readonly test: readonly number[];
}

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
  /** Regression tasks with several outputs only (see `lossOutputs`). */
  readonly output_losses?: OutputLosses;
}

/** The columns every task has, in file order. */
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

/** Largest metrics file bimt reads: a million-step run evaluated every step is about 100 MB. */
const MAX_METRICS_BYTES = 1 << 30;

/**
 * How many per-output loss pairs a task's rows carry: its outputs for a regression task with
 * several outputs and feature inputs (every regression task bimt has), else 0.
 */
export function lossOutputs(task: Pick<TaskInstance, 'inputs' | 'targets'>): number {
  // A sequence task reports each scored entry (the in-context task's last position is the one that matters).
  if (task.targets.kind === 'sequence') return task.targets.scored.length;
  return task.targets.kind === 'values' && task.targets.dim > 1 && task.inputs.kind === 'features' ? task.targets.dim : 0;
}

/** The header of a metrics file with `outputs` per-output loss pairs. */
export function metricsColumns(outputs: number): string[] {
  const each = (split: string) => Array.from({ length: outputs }, (_, i) => `${split}_loss_${i + 1}`);
  return [...METRICS_COLUMNS, ...each('train'), ...each('test')];
}

export class MetricsWriter {
  private readonly columns: string[];
  private readonly csv;

  /**
   * `outputs`: per-output loss pairs (`lossOutputs`); `append` continues an existing file (resume)
   * instead of starting one with a header.
   */
  constructor(
    private readonly path: string,
    private readonly outputs = 0,
    append = false,
  ) {
    this.columns = metricsColumns(outputs);
    this.csv = createObjectCsvStringifier({ header: this.columns.map((id) => ({ id, title: id })) });
    if (!append || !existsSync(path)) writeFileAtomic(path, this.csv.getHeaderString() ?? '');
  }

  append(row: MetricsRow): void {
    const cells = formatRow(row, this.outputs);
    const record: Record<string, string> = {};
    this.columns.forEach((c, i) => (record[c] = cells[i]!));
    appendWhole(this.path, this.csv.stringifyRecords([record]));
  }
}

/**
 * A row's cells in column order, each the shortest text that reads back to the same float64. A
 * file without per-output columns (a run from an older bimt, resumed) leaves them out.
 */
function formatRow(row: MetricsRow, outputs: number): string[] {
  const cell = (v: number | null) => (v === null ? '' : String(v));
  const common = METRICS_COLUMNS.map((c) => cell(row[c]));
  if (outputs === 0) return common;
  const per = row.output_losses;
  if (per?.train.length !== outputs) throw new Error(`metrics row has ${per?.train.length ?? 0} per-output losses, the file ${outputs}`);
  return [...common, ...[...per.train, ...per.test].map(cell)];
}

export function readMetrics(path: string): MetricsRow[] {
  return readMetricsFile(path).rows.map((r) => r.row);
}

/** A metrics file read (as a regular file of sane size) and parsed. */
export function readMetricsFile(path: string): ParsedMetrics {
  if (!existsSync(path)) throw new BimtError(`${path}: no metrics file`);
  return parseMetrics(readRegularFile(path, 'metrics file', MAX_METRICS_BYTES).toString('utf8'), path);
}

/** metrics.csv taken apart: the rows that end in a newline, and what follows the last newline. */
export interface ParsedMetrics {
  /** Per-output loss pairs the header declares. */
  readonly outputs: number;
  readonly header: string;
  /** Complete rows with their text (line numbers from 2). */
  readonly rows: readonly { readonly line: string; readonly row: MetricsRow }[];
  /** Text after the last newline: '' for a well-formed file, else a row cut off mid-write. */
  readonly unterminated: string;
}

/** Parses metrics text; a bad header or row is a BimtError naming `path` and the line. */
export function parseMetrics(text: string, path: string): ParsedMetrics {
  const lines = text.split('\n');
  const unterminated = lines.pop() ?? '';
  const header = lines[0] ?? '';
  const outputs = outputsOfHeader(header);
  if (outputs === undefined) throw new BimtError(`${path}: unexpected header "${header}" (expected ${metricsColumns(0).join(',')}, then any per-output losses)`);
  const rows = lines.slice(1).map((line, i) => ({ line, row: parseRow(line, outputs, `${path}:${i + 2}`) }));
  return { outputs, header, rows, unterminated };
}

/** The per-output pairs a header declares, or undefined when it is not a metrics header. */
function outputsOfHeader(header: string): number | undefined {
  const cells = header.split(',');
  const extra = cells.length - METRICS_COLUMNS.length;
  if (extra < 0 || extra % 2 !== 0) return undefined;
  return header === metricsColumns(extra / 2).join(',') ? extra / 2 : undefined;
}

function parseRow(line: string, outputs: number, where: string): MetricsRow {
  const cells = line.split(',');
  const expected = METRICS_COLUMNS.length + 2 * outputs;
  if (cells.length !== expected) throw new BimtError(`${where}: expected ${expected} cells, found ${cells.length}`);
  const num = (k: number) => {
    const v = Number(cells[k]);
    // NaN is a real value (a diverged row); an empty or garbled cell is not.
    if (cells[k] === '' || (Number.isNaN(v) && cells[k] !== 'NaN')) throw new BimtError(`${where}: cell ${k + 1} "${cells[k]}" is not a number`);
    return v;
  };
  const opt = (k: number) => (cells[k] === '' ? null : num(k));
  const range = (from: number) => Array.from({ length: outputs }, (_, i) => num(from + i));
  const base = METRICS_COLUMNS.length;
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
    ...(outputs > 0 ? { output_losses: { train: range(base), test: range(base + outputs) } } : {}),
  };
}

/** The newest row of a metrics file, or undefined when there is none or it cannot be read. */
export function lastMetricsRow(metricsFile: string): MetricsRow | undefined {
  if (!existsSync(metricsFile)) return undefined;
  try {
    return readMetrics(metricsFile).at(-1);
  } catch {
    return undefined;
  }
}

/** The one number a listing shows of a row: test accuracy, or test loss for regression. */
export function headlineMetric(row: MetricsRow): string {
  return row.test_acc !== null ? `acc ${row.test_acc.toFixed(4)}` : `loss ${row.test_loss.toExponential(3)}`;
}
