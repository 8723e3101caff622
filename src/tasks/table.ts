/**
 * A user's own data (docs/cli.md, "Your own data"): a CSV file with a header
 * row, some columns as input features and one as the target. The target is classes (any cell not
 * a number, or `target_kind: classes`: cross-entropy, accuracy) or a value (MSE). The test rows are
 * a seeded share of the file or a second file with the same columns.
 *
 *     task:
 *       kind: table
 *       path: ../data/iris.csv      # relative to the config file that names it
 *       target: species
 *       features: [sepal_length, sepal_width, petal_length, petal_width]   # default: all others
 *
 * Paths arrive here absolute: config loading resolves `path` and `test_path` against the file
 * that wrote them (src/config/load.ts, as `extends` does), so a run's saved config.yaml loads from
 * anywhere. A bad file is one BimtError line naming the file and line; a column the config names
 * that the file lacks is a ConfigValueError at the config's key, listing the file's columns.
 */
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { BimtError, ConfigValueError } from '../errors.js';
import { nameList, quote } from '../util/excerpt.js';
import { readRegularFile } from '../util/files.js';
import { Rng } from '../util/random.js';
import { dataFile, MAX_SAMPLES, type DataFile, type Split, type TaskDefinition, type TaskInstance } from './task.js';

/** Largest CSV file read (a file far larger would not fit in memory as parsed text anyway). */
export const MAX_TABLE_BYTES = 256 * 1024 * 1024;

/**
 * Most columns a CSV file may have (docs/cli.md, "Your own data"): one input neuron each, and far
 * more than the 785 of MNIST as a table; a wider header is refused before anything else is done.
 */
export const MAX_COLUMNS = 10_000;

/** The largest float32 magnitude: a cell beyond it would train as Infinity. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** How a CSV file's bytes are text: UTF-8 (the default, checked) or Latin-1 (ISO 8859-1, every byte a character). */
const encoding = z.enum(['utf-8', 'latin1']);
export type TableEncoding = z.infer<typeof encoding>;

const column = z.string().min(1, 'a column name');

const schema = z.strictObject({
  kind: z.literal('table'),
  /** The CSV file (header row first); relative to the config file that names it. */
  path: z.string().min(1, 'the path of a CSV file'),
  /** The column the network predicts. */
  target: column,
  /** Input columns, in this order; default: every column but the target, in the file's order. */
  features: z.array(column).min(1).optional(),
  /**
   * classes (cross-entropy, class indices from the sorted distinct cells) or values (MSE); default:
   * classes when some target cell is not a number, else values.
   */
  target_kind: z.enum(['classes', 'values']).optional(),
  /** Share of `path`'s rows that train (the rest test), split at random from the seed; default 0.8. */
  train_fraction: z.number().gt(0).lt(1).optional(),
  /** A second CSV file with the same columns: the test rows (then all of `path` trains). */
  test_path: z.string().min(1, 'the path of a CSV file').optional(),
  /** Seed of the split; defaults to the config's top-level seed. */
  seed: z.number().int().nonnegative().optional(),
  /** The files' text encoding: utf-8 (default; a file that is not valid UTF-8 is refused) or latin1. */
  encoding: encoding.optional(),
});

export type TableConfig = z.infer<typeof schema>;

/** A CSV file as read: its column names and its rows of cells, each with its line in the file. */
export interface Table {
  readonly file: string;
  readonly columns: readonly string[];
  readonly rows: readonly { readonly cells: readonly string[]; readonly line: number }[];
}

/**
 * A CSV file's bytes as text. Bytes that are not UTF-8 are refused at their line rather than
 * decoded to U+FFFD, which made different labels one class (Latin-1's "r\xe9d" and "r\xe8d").
 */
export function decodeTable(bytes: Uint8Array, file: string, enc: TableEncoding): string {
  if (enc === 'latin1') return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // Find the line: decode line by line up to the first that fails (this runs only on a bad file).
    let line = 1;
    for (let start = 0; start < bytes.length; line++) {
      const nl = bytes.indexOf(0x0a, start);
      const end = nl < 0 ? bytes.length : nl;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(start, end));
      } catch {
        break;
      }
      start = end + 1;
    }
    throw new BimtError(`${file}:${line}: not UTF-8 text; save the file as UTF-8, or set task.encoding: latin1 if it is Latin-1`);
  }
}

/**
 * Checks CSV text (`file` names it in messages): a header row of distinct, non-empty names, then at
 * least one row, every row with as many cells as the header. Empty lines are skipped, a byte-order
 * mark and the spaces around cells dropped. Errors name the file and line.
 */
export function parseTable(text: string, file: string): Table {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, trim: true, skip_empty_lines: true, relax_column_count: true, info: true }) as unknown as typeof records;
  } catch (e) {
    const err = e as { lines?: number; message?: string };
    if (typeof err.lines !== 'number') throw e;
    throw new BimtError(`${file}:${err.lines}: not valid CSV: ${String(err.message).split('\n')[0]}`);
  }
  if (records.length === 0) throw new BimtError(`${file}: the CSV file is empty (it needs a header row of column names, then the data)`);
  const [head, ...body] = records;
  const columns = head!.record;
  if (columns.length > MAX_COLUMNS) throw new BimtError(`${file}:${head!.info.lines}: ${columns.length} columns in the header row; at most ${MAX_COLUMNS} are read`);
  const seen = new Set<string>();
  columns.forEach((name, i) => {
    if (name === '') throw new BimtError(`${file}:${head!.info.lines}: column ${i + 1} of the header row has no name`);
    if (seen.has(name)) throw new BimtError(`${file}:${head!.info.lines}: column ${quote(name)} appears twice in the header row`);
    seen.add(name);
  });
  if (body.length === 0) throw new BimtError(`${file}: the CSV file has a header row but no data rows`);
  if (body.length > MAX_SAMPLES) throw new BimtError(`${file}: ${body.length} rows; at most ${MAX_SAMPLES} are read`);
  for (const r of body) {
    if (r.record.length !== columns.length) {
      throw new BimtError(`${file}:${r.info.lines}: ${r.record.length} cells, but the header row names ${columns.length} columns`);
    }
  }
  return { file, columns, rows: body.map((r) => ({ cells: r.record, line: r.info.lines })) };
}

/**
 * A decimal number as CSV files write them: 3, -0.5, .5, 1e-3 (not hex, not NaN or Infinity).
 * Each digit can be matched one way only (`\d+\.?\d*` could split a run of digits anywhere, and a
 * long cell that was not a number took time quadratic in its length).
 */
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function isNumber(cell: string): boolean {
  return NUMBER.test(cell);
}

/** The cell of `col` in every row of `table` as numbers; a cell that is not one is an error naming file:line and column. */
function numbers(table: Table, col: number): Float64Array {
  const out = new Float64Array(table.rows.length);
  table.rows.forEach((r, i) => {
    out[i] = numberCell(table.file, r.line, table.columns[col]!, r.cells[col]!);
  });
  return out;
}

/**
 * One CSV cell as a number (`bimt eval --data` reads its cells with this too); a cell that is not
 * a decimal number, or is beyond float32's range, is an error naming file:line and the column.
 */
export function numberCell(file: string, line: number, column: string, cell: string): number {
  if (!isNumber(cell)) throw new BimtError(`${file}:${line}: column ${quote(column)}: ${cell === '' ? 'empty cell' : quote(cell)}, not a number`);
  const x = Number(cell);
  // Training is in float32: a larger cell would be Infinity there, and the run would diverge.
  if (!(Math.abs(x) <= FLOAT32_MAX)) {
    throw new BimtError(`${file}:${line}: column ${quote(column)}: ${quote(cell)} is beyond float32's range (at most ${FLOAT32_MAX.toPrecision(5)} in magnitude)`);
  }
  return x;
}

/** Column indexes by name, built once per file (one indexOf per named column was quadratic in the width). */
function columnMap(table: Table): ReadonlyMap<string, number> {
  return new Map(table.columns.map((c, i) => [c, i]));
}

/** The index of column `name` in `table`, or a ConfigValueError at `key` listing the file's columns. */
function columnIndex(table: Table, at: ReadonlyMap<string, number>, name: string, key: (string | number)[]): number {
  const i = at.get(name);
  if (i === undefined) throw new ConfigValueError(key, `no column ${quote(name)} in ${table.file} (its columns: ${nameList(table.columns, 20)})`);
  return i;
}

/** Class names in index order: numerically when every one is a number, else by code units. */
export function sortClasses(names: Iterable<string>): string[] {
  const distinct = [...new Set(names)];
  if (distinct.every(isNumber)) return distinct.sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0));
  return distinct.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * A task from tables: `train` trains and `test` tests. Columns are found by name in each file, so
 * the test file may order them differently.
 */
export function tableTask(config: Omit<TableConfig, 'kind' | 'path' | 'test_path' | 'train_fraction' | 'seed'>, train: Table, test: Table): TaskInstance {
  const featureNames = config.features ?? train.columns.filter((c) => c !== config.target);
  if (featureNames.length === 0) throw new ConfigValueError(['task', 'target'], `${train.file} has no column besides the target ${quote(config.target)} to use as a feature`);
  const listed = new Set<string>();
  const dup = featureNames.find((f) => listed.has(f) || !listed.add(f));
  if (dup !== undefined) throw new ConfigValueError(['task', 'features'], `column ${quote(dup)} is listed twice`);
  if (featureNames.includes(config.target)) throw new ConfigValueError(['task', 'features'], `the target column ${quote(config.target)} cannot be a feature too`);
  const tables = [train, test];
  const maps = tables.map(columnMap);
  const targetCols = tables.map((t, k) => columnIndex(t, maps[k]!, config.target, ['task', 'target']));
  const featureCols = tables.map((t, k) => featureNames.map((f, i) => columnIndex(t, maps[k]!, f, config.features ? ['task', 'features', i] : ['task', 'target'])));
  const targetCells = tables.map((t, k) => t.rows.map((r) => r.cells[targetCols[k]!]!));
  const kind = config.target_kind ?? (targetCells.every((cells) => cells.every(isNumber)) ? 'values' : 'classes');

  const classNames = kind === 'classes' ? sortClasses(targetCells.flat()) : [];
  if (kind === 'classes') {
    const empty = tables.map((t, k) => ({ t, i: targetCells[k]!.indexOf('') })).find((e) => e.i >= 0);
    if (empty) throw new BimtError(`${empty.t.file}:${empty.t.rows[empty.i]!.line}: column ${quote(config.target)}: empty cell, not a class`);
    if (classNames.length < 2) throw new ConfigValueError(['task', 'target'], `column ${quote(config.target)} has only one class (${quote(classNames[0] ?? '')}); classification needs two or more`);
  }
  const classIndex = new Map(classNames.map((c, i) => [c, i]));

  const split = (k: number): Split => {
    const t = tables[k]!;
    const n = t.rows.length;
    const x = new Float32Array(n * featureNames.length);
    featureCols[k]!.forEach((col, j) => numbers(t, col).forEach((v, i) => (x[i * featureNames.length + j] = v)));
    const y = kind === 'classes' ? Int32Array.from(targetCells[k]!, (c) => classIndex.get(c)!) : Float32Array.from(numbers(t, targetCols[k]!));
    return { n, x, y };
  };
  return {
    inputs: { kind: 'features', dim: featureNames.length },
    targets: kind === 'classes' ? { kind: 'classes', count: classNames.length } : { kind: 'values', dim: 1 },
    train: split(0),
    test: split(1),
    inputLabels: featureNames,
    outputLabels: kind === 'classes' ? classNames : [config.target],
    targetColumn: config.target,
  };
}

/**
 * `table` split at random: floor(fraction * rows) train, the rest test, both in the file's order.
 * Each side keeps at least one row, or the split is an error at task.train_fraction.
 */
export function splitTable(table: Table, fraction: number, rng: Rng): { train: Table; test: Table } {
  const n = table.rows.length;
  const nTrain = Math.floor(fraction * n);
  if (nTrain < 1 || nTrain >= n) {
    throw new ConfigValueError(['task', 'train_fraction'], `${fraction} of ${table.file}'s ${n} rows leaves ${nTrain < 1 ? 'no training' : 'no test'} rows`);
  }
  const order = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
  const pick = (idx: Int32Array): Table => ({ ...table, rows: Array.from(idx.sort(), (i) => table.rows[i]!) });
  return { train: pick(order.slice(0, nTrain)), test: pick(order.slice(nTrain)) };
}

/** Reads a data file of the config; a file that cannot be read is an error at the key that named it. */
function readAt(file: string, key: string, enc: TableEncoding, read: DataFile[]): Table {
  let bytes: Uint8Array;
  try {
    bytes = readRegularFile(file, 'CSV file', MAX_TABLE_BYTES);
  } catch (e) {
    if (e instanceof BimtError) throw new ConfigValueError(['task', key], e.message);
    throw e;
  }
  read.push(dataFile(file, bytes));
  return parseTable(decodeTable(bytes, file, enc), file);
}

export const table: TaskDefinition<typeof schema> = {
  kind: 'table',
  schema,
  pathKeys: ['path', 'test_path'],
  build(config, seed) {
    if (config.test_path !== undefined && config.train_fraction !== undefined) {
      throw new ConfigValueError(['task', 'train_fraction'], 'not used with task.test_path (all of task.path trains, all of task.test_path tests); remove one');
    }
    const enc = config.encoding ?? 'utf-8';
    const read: DataFile[] = [];
    const data = readAt(config.path, 'path', enc, read);
    const { train, test } =
      config.test_path !== undefined
        ? { train: data, test: readAt(config.test_path, 'test_path', enc, read) }
        : splitTable(data, config.train_fraction ?? 0.8, new Rng(config.seed ?? seed, 'table/split'));
    return { ...tableTask(config, train, test), dataFiles: read };
  },
  // A user's table has any number of features, so no picture of the inputs fits: what the
  // network answers instead, per class or against the true value.
  figures: (task) => [task.targets.kind === 'classes' ? 'confusion' : 'predicted-vs-true'],
};
