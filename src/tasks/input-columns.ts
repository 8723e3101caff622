/**
 * A task's inputs and targets as CSV columns (docs/cli.md, "bimt eval"): the layout `bimt eval
 * --data` reads new inputs in, and the one its predictions file echoes them in.
 *
 * - features (two moons, formulas, tables, MNIST): one column per input, named as the task names
 *   its inputs (`x1, x2` for two moons and formulas, a table's feature columns, `p<row>,<col>`
 *   for MNIST's pixels);
 * - token pairs (modular addition, permutation groups): `a, b`, token ids as the task numbers them
 *   (0 .. vocab - 1); more tokens than two would be `t1 .. tn`;
 * - sequences (in-context): `<channel><position>` position by position, each position's channels
 *   in order: `y0, x0, y1, x1, y2, x2` (position p is the token (y_p, x_p) of the training data);
 * - MNIST-style images may also come as IDX files: images, and labels as the targets.
 *
 * Targets, where a file gives them: `target` for classes (a class's name or its index) and for
 * one value, or a table's own target column; `target_1 .. target_n` (or the outputs' names) for several values; for sequences
 * `target_<k>` for each scored entry, k its column among the outputs (in-context: `target_1` is
 * y at position 0, `target_5` y at position 2).
 */
import { BimtError } from '../errors.js';
import { nameList, quote } from '../util/excerpt.js';
import { readRegularFile } from '../util/files.js';
import { scoredColumns } from './sequence-loss.js';
import { MAX_IDX_BYTES } from './idx.js';
import { looksLikeIdx, readImageRows } from './input-images.js';
import { IMAGE_PIXELS } from './mnist-data.js';
import { decodeTable, MAX_TABLE_BYTES, numberCell, parseTable } from './table.js';
import type { Split, TaskInstance } from './task.js';

/** Rows of inputs, with their targets when known, and each row's input cells as text. */
export interface InputRows {
  readonly n: number;
  /** As a Split's x: [n, dim] features, [n, count] token ids, or [n, length * dim] sequences. */
  readonly x: Float32Array | Int32Array;
  /** As a Split's y ([n] classes, [n, dim] values, [n, length * dim] sequences), when known. */
  readonly y?: Float32Array | Int32Array;
  /** Row i's input cells, in `inputColumns` order: as the file wrote them, or the split's numbers. */
  cells(i: number): readonly string[];
}

/** What reading a file found beyond the rows: the columns it ignored (neither input nor target). */
export interface ReadInputs extends InputRows {
  readonly ignored: readonly string[];
}

/** The input columns of a task, in the order of its inputs (see the file comment). */
export function inputColumns(task: TaskInstance): string[] {
  const { inputs } = task;
  switch (inputs.kind) {
    case 'features':
      return [...task.inputLabels];
    case 'tokens':
      return inputs.count === 2 ? ['a', 'b'] : Array.from({ length: inputs.count }, (_, i) => `t${i + 1}`);
    case 'sequence':
      return Array.from({ length: inputs.length * inputs.dim }, (_, k) => `${task.inputLabels[k % inputs.dim] ?? `c${k % inputs.dim}`}${Math.floor(k / inputs.dim)}`);
  }
}

/**
 * The target columns of a task with, for each, its column among the outputs (0-based; -1 for
 * classes, whose one column holds a class index rather than an output's value) and other names a
 * file may give it. A file has all of them or none.
 */
export function targetColumns(task: TaskInstance): { name: string; output: number; aliases: string[] }[] {
  const { targets } = task;
  switch (targets.kind) {
    case 'classes':
      return [{ name: 'target', output: -1, aliases: task.targetColumn === undefined ? [] : [task.targetColumn] }];
    case 'values':
      if (targets.dim === 1) return [{ name: 'target', output: 0, aliases: [task.outputLabels[0] ?? 'target'] }];
      return Array.from({ length: targets.dim }, (_, k) => ({ name: `target_${k + 1}`, output: k, aliases: [task.outputLabels[k] ?? `target_${k + 1}`] }));
    case 'sequence':
      return Array.from(scoredColumns(targets), (c) => ({ name: `target_${c + 1}`, output: c, aliases: [] }));
  }
}

/** Width of one row of x. */
function inputWidth(task: TaskInstance): number {
  const { inputs } = task;
  return inputs.kind === 'features' ? inputs.dim : inputs.kind === 'tokens' ? inputs.count : inputs.length * inputs.dim;
}

/** A task's split as InputRows: its inputs, its targets, and its numbers as the cells. */
export function splitRows(task: TaskInstance, s: Split): InputRows {
  const w = inputWidth(task);
  return { n: s.n, x: s.x, y: s.y, cells: (i) => Array.from(s.x.subarray(i * w, (i + 1) * w), String) };
}

/**
 * New inputs for `task` from a CSV file (see the file comment for the columns), or for an
 * MNIST-style task from an IDX image file with, optionally, its IDX label file (input-images.ts;
 * told apart by the first bytes: IDX and gzip start with bytes no CSV text has). Every mistake is
 * one BimtError line: an empty file, a missing input column (named), a row with the wrong number
 * of cells, a cell that is not a number or a token out of range (file:line), some target columns
 * without the others.
 */
export function readInputRows(task: TaskInstance, file: string, labelsFile?: string): ReadInputs {
  const raw = readRegularFile(file, 'data file', Math.max(MAX_TABLE_BYTES, MAX_IDX_BYTES));
  if (looksLikeIdx(raw)) {
    const rows = readImageRows(task, raw, file, labelsFile, inputColumns(task));
    return { ...rows, cells: (i) => Array.from(rows.x.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS), String), ignored: [] };
  }
  if (labelsFile !== undefined) throw new BimtError(`--labels ${labelsFile}: labels go with IDX image files; a CSV file gives its targets in a target column`);
  if (raw.length > MAX_TABLE_BYTES) throw new BimtError(`${file}: ${raw.length} bytes is too large for a CSV file (at most ${MAX_TABLE_BYTES})`);
  const table = parseTable(decodeTable(raw, file, 'utf-8'), file);
  const at = new Map(table.columns.map((c, i) => [c, i]));
  const names = inputColumns(task);
  const inputAt = names.map((name) => {
    const i = at.get(name);
    if (i === undefined) throw new BimtError(`${file}: no column ${quote(name)}; the task's inputs are ${nameList(names, 12)}`);
    return i;
  });
  const wanted = targetColumns(task);
  const targetAt = wanted.map((t) => [t.name, ...t.aliases].map((c) => at.get(c)).find((i) => i !== undefined));
  const given = targetAt.filter((i) => i !== undefined).length;
  if (given > 0 && given < wanted.length) {
    const missing = wanted.find((_, k) => targetAt[k] === undefined)!;
    throw new BimtError(`${file}: no column ${quote(missing.name)}; give all the target columns (${nameList(wanted.map((t) => t.name), 12)}) or none`);
  }
  const used = new Set([...inputAt, ...targetAt.filter((i): i is number => i !== undefined)]);
  const n = table.rows.length;
  const w = names.length;
  const { inputs, targets } = task;
  const x = inputs.kind === 'tokens' ? new Int32Array(n * w) : new Float32Array(n * w);
  table.rows.forEach((r, i) => {
    inputAt.forEach((c, k) => {
      x[i * w + k] = inputs.kind === 'tokens' ? tokenCell(file, r.line, names[k]!, r.cells[c]!, inputs.vocab) : numberCell(file, r.line, names[k]!, r.cells[c]!);
    });
  });
  let y: Float32Array | Int32Array | undefined;
  if (given > 0) {
    if (targets.kind === 'classes') {
      const c = targetAt[0]!;
      y = Int32Array.from(table.rows, (r) => classCell(file, r.line, table.columns[c]!, r.cells[c]!, task.outputLabels, targets.count));
    } else {
      const width = targets.kind === 'values' ? targets.dim : targets.length * targets.dim;
      const yv = new Float32Array(n * width);
      table.rows.forEach((r, i) => {
        wanted.forEach((t, k) => {
          const c = targetAt[k]!;
          yv[i * width + t.output] = numberCell(file, r.line, table.columns[c]!, r.cells[c]!);
        });
      });
      y = yv;
    }
  }
  return {
    n,
    x,
    y,
    cells: (i) => inputAt.map((c) => table.rows[i]!.cells[c]!),
    ignored: table.columns.filter((_, i) => !used.has(i)),
  };
}

/** A token id cell: an integer in [0, vocab). */
function tokenCell(file: string, line: number, column: string, cell: string, vocab: number): number {
  if (!/^[+-]?\d{1,15}$/.test(cell)) throw new BimtError(`${file}:${line}: column ${quote(column)}: ${cell === '' ? 'empty cell' : quote(cell)}, not a token id (an integer 0 .. ${vocab - 1})`);
  const t = Number(cell);
  if (t < 0 || t >= vocab) throw new BimtError(`${file}:${line}: column ${quote(column)}: token ${t} is out of range (the task's tokens are 0 .. ${vocab - 1})`);
  return t;
}

/**
 * A class cell: a class's name as the task names its outputs (a table's class, "7" for modular
 * addition), else a class index 0 .. count - 1 (two moons' "class 0" is also 0). The name wins,
 * so a table whose classes are the numbers 1, 2, 3 reads "1" as the class named 1.
 */
function classCell(file: string, line: number, column: string, cell: string, names: readonly string[], count: number): number {
  const named = names.indexOf(cell);
  if (named >= 0) return named;
  if (/^\d{1,9}$/.test(cell) && Number(cell) < count) return Number(cell);
  throw new BimtError(`${file}:${line}: column ${quote(column)}: ${cell === '' ? 'empty cell' : quote(cell)} is not a class (a class name, ${nameList(names, 6)}, or an index 0 .. ${count - 1})`);
}
