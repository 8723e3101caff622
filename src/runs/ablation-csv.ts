/**
 * ablation.csv read back (bimt ablate writes it: src/cli/ablate.ts, docs/cli.md "bimt ablate"),
 * for `bimt plot --kind ablation`. The file's columns: target, mode, inputs, outputs (labels
 * joined by `;`), `<split>_loss`, `<split>_acc` (empty for regression), then either each output's
 * loss `<split>_loss_<k>` (k from 1, tasks with several values) or each class's accuracy
 * `<split>_acc_<c>` (c from 0); the first row is `none`, the network untouched.
 */
import { existsSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { BimtError } from '../errors.js';
import { excerpt, quote } from '../util/excerpt.js';
import { readRegularFile } from '../util/files.js';

/** What a table's per-output cells measure: each output's loss, or each class's accuracy. */
export type AblationMeasure = 'loss' | 'accuracy';

/** One line of ablation.csv. */
export interface AblationRecord {
  readonly target: string;
  /** How the target was held (`zero`, `mean`; empty for `none`). */
  readonly mode: string;
  /** The network's inputs and outputs the target's neurons connect (empty for `none`). */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** The split's loss and accuracy (null for regression). */
  readonly loss: number;
  readonly acc: number | null;
  /**
   * Per output, the measure's cells in column order (null where empty: a class with no rows in the
   * split); a task with one value has its loss alone.
   */
  readonly perOutput: readonly (number | null)[];
}

/** ablation.csv as a table: `none` apart, then one record per target. */
export interface AblationTable {
  /** The split the numbers are of (`test` unless ablate was given --split). */
  readonly split: string;
  readonly measure: AblationMeasure;
  readonly none: AblationRecord;
  readonly targets: readonly AblationRecord[];
}

/** Largest ablation.csv read: --each neuron of a wide network is a few thousand lines of ~100 bytes. */
const MAX_ABLATION_BYTES = 64 << 20;

/** Reads `path`; a missing file says to run bimt ablate, anything malformed names the file and line. */
export function readAblationCsv(path: string): AblationTable {
  if (!existsSync(path)) throw new BimtError(`${path}: no ablation table; run bimt ablate first`);
  return parseAblationCsv(readRegularFile(path, 'ablation table', MAX_ABLATION_BYTES).toString('utf8'), path);
}

/** Parses ablation.csv text (see the file comment); errors are BimtErrors naming `path` and the line. */
export function parseAblationCsv(text: string, path: string): AblationTable {
  let cells: string[][];
  try {
    cells = parse(text, { relax_column_count: false, skip_empty_lines: true }) as string[][];
  } catch (e) {
    throw new BimtError(`${path}: not a CSV table: ${(e as Error).message.split('\n')[0]}`);
  }
  const header = cells[0] ?? [];
  const split = /^(\w+)_loss$/.exec(header[4] ?? '')?.[1];
  if (header.slice(0, 4).join(',') !== 'target,mode,inputs,outputs' || split === undefined || header[5] !== `${split}_acc`) {
    throw new BimtError(`${path}:1: expected the header target,mode,inputs,outputs,<split>_loss,<split>_acc as bimt ablate writes it`);
  }
  const extra = header.slice(6);
  const lossCols = extra.every((h, k) => h === `${split}_loss_${k + 1}`);
  const accCols = extra.every((h, c) => h === `${split}_acc_${c}`);
  if (!lossCols && !accCols) throw new BimtError(`${path}:1: expected ${split}_loss_1.. or ${split}_acc_0.. after ${split}_acc, found ${excerpt(extra.join(','))}`);
  const measure: AblationMeasure = extra.length > 0 && accCols ? 'accuracy' : 'loss';
  const records = cells.slice(1).map((row, i): AblationRecord => {
    const line = i + 2;
    const num = (j: number): number => {
      const v = Number(row[j]);
      if (row[j] === '' || Number.isNaN(v)) throw new BimtError(`${path}:${line}: ${header[j]} ${quote(row[j] ?? '')} is not a number`);
      return v;
    };
    const names = (s: string) => (s === '' ? [] : s.split(';'));
    const loss = num(4);
    return {
      target: row[0]!,
      mode: row[1]!,
      inputs: names(row[2]!),
      outputs: names(row[3]!),
      loss,
      acc: row[5] === '' ? null : num(5),
      perOutput: extra.length === 0 ? [loss] : extra.map((_, k) => (row[6 + k] === '' ? null : num(6 + k))),
    };
  });
  const [none, ...targets] = records;
  if (none?.target !== 'none') throw new BimtError(`${path}:2: expected the untouched network's row, none, first`);
  return { split, measure, none, targets };
}
