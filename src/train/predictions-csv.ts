/**
 * The predictions file of `bimt eval` (docs/run-directory.md, "Layout"): one row per input, its
 * input columns as given, the raw outputs, the predicted class, the target and the row's loss.
 */
import { inputColumns, targetColumns, type InputRows } from '../tasks/input-columns.js';
import type { TaskInstance } from '../tasks/task.js';
import type { RowsEvaluation } from './evaluate.js';

/** Rows evaluated together, under a name for the `split` column when several are written. */
export interface EvaluatedRows {
  readonly name: string;
  readonly rows: InputRows;
  readonly evaluation: RowsEvaluation;
}

/**
 * CSV text, header first: `split` (when there are several parts), the input columns
 * (src/tasks/input-columns.ts), `output_1 .. output_n` (outputs in the task's order: class
 * logits, values, or a sequence's [length, dim] flattened row-major), `predicted` (classes: the
 * index of the largest output, 0-based, so class k is output_{k+1}), then where targets are
 * known the target columns (`target`: the class index or the value; `target_k`: output_k's) and
 * `loss`, the row's part of the task loss (their mean is the loss printed).
 */
export function predictionsCsv(task: TaskInstance, parts: readonly EvaluatedRows[]): string {
  const outputs = parts[0]?.evaluation.outputs.length ?? 0;
  const nOut = parts[0] && parts[0].rows.n > 0 ? outputs / parts[0].rows.n : 0;
  const classes = task.targets.kind === 'classes';
  const withTargets = parts.every((p) => p.evaluation.score !== undefined && p.rows.y !== undefined);
  const targets = targetColumns(task);
  const header = [
    ...(parts.length > 1 ? ['split'] : []),
    ...inputColumns(task),
    ...Array.from({ length: nOut }, (_, k) => `output_${k + 1}`),
    ...(classes ? ['predicted'] : []),
    ...(withTargets ? [...targets.map((t) => t.name), 'loss'] : []),
  ];
  const lines = [header.map(csvCell).join(',')];
  for (const { name, rows, evaluation } of parts) {
    const yWidth = rows.y !== undefined && rows.n > 0 ? rows.y.length / rows.n : 0;
    for (let i = 0; i < rows.n; i++) {
      const out = evaluation.outputs.subarray(i * nOut, (i + 1) * nOut);
      const cells = [...(parts.length > 1 ? [name] : []), ...rows.cells(i), ...Array.from(out, String)];
      if (classes) cells.push(String(argMax(out)));
      if (withTargets) {
        const y = rows.y!;
        for (const t of targets) cells.push(String(classes ? y[i] : y[i * yWidth + t.output]));
        cells.push(String(evaluation.score!.rowLoss[i]));
      }
      lines.push(cells.map(csvCell).join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Index of the largest value (the first of equals, as tf.argMax). */
function argMax(v: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < v.length; k++) if (v[k]! > v[best]!) best = k;
  return best;
}

/** A CSV cell, quoted (RFC 4180) where it holds a comma, quote, line break or edge space. */
function csvCell(text: string): string {
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
