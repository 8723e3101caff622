/**
 * `bimt compare`'s table (issue 15): one row per run, read from the run directories alone.
 * Columns: the config keys whose values differ between the runs (from each run's resolved
 * config.yaml, flattened to dotted keys), the last metrics row's losses and accuracies, what the
 * newest snapshot says of the pruned graph (weights kept, hidden neurons alive, modules,
 * modularity Q) and the wall time meta.json recorded.
 */
import { readFileSync } from 'node:fs';
import { createArrayCsvStringifier } from 'csv-writer';
import { parse } from 'yaml';
import { BimtError } from '../errors.js';
import { readSnapshot } from './graph-record.js';
import { readMetrics } from './metrics.js';
import { listCheckpoints, readMeta, type RunPaths } from './run-dir.js';

export interface CompareTable {
  /** Column names, the differing config keys first. */
  readonly columns: readonly string[];
  /** One row per run, a cell per column ('' where a run has no value). */
  readonly rows: readonly (readonly string[])[];
}

/** Keys that name a run or where it went rather than how it was trained: never compared. */
const NOT_COMPARED = new Set(['name', 'output.runs_dir']);

/** The resolved config's leaves as dotted keys (a list is one value, written as JSON; a string as it is). */
function flatten(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (!NOT_COMPARED.has(prefix)) out.set(prefix, typeof value === 'string' ? value : JSON.stringify(value));
  return out;
}

function readConfigKeys(paths: RunPaths): Map<string, string> {
  try {
    return flatten(parse(readFileSync(paths.config, 'utf8')));
  } catch (e) {
    throw new BimtError(`${paths.config}: cannot read the run's config (${(e as Error).message.split('\n')[0]})`, 1);
  }
}

const num = (x: number | null | undefined, digits = 4) => (x === null || x === undefined || !Number.isFinite(x) ? '' : Number(x.toPrecision(digits)).toString());

/** A run to compare and the name its row shows. */
export interface NamedRun {
  readonly paths: RunPaths;
  readonly name: string;
}

/** The table of `runs`. Errors name the run's file that cannot be read. */
export function compareRuns(runs: readonly NamedRun[]): CompareTable {
  if (runs.length === 0) throw new BimtError('no runs to compare');
  const configs = runs.map((r) => readConfigKeys(r.paths));
  const keys = [...new Set(configs.flatMap((c) => [...c.keys()]))].filter((k) => new Set(configs.map((c) => c.get(k))).size > 1).sort();
  const columns = ['run', ...keys, 'train loss', 'test loss', 'train acc', 'test acc', 'weights kept', 'hidden alive', 'modules', 'Q', 'wall s'];
  const rows = runs.map(({ paths, name }, i) => {
    const meta = readMeta(paths);
    const last = readMetrics(paths.metrics).at(-1);
    const steps = listCheckpoints(paths);
    const snap = steps.length > 0 ? readSnapshot(paths, steps[steps.length - 1]!) : undefined;
    const hidden = snap?.layers?.slice(1, -1).reduce((s, l) => s + l.length, 0);
    const width = snap?.widths?.slice(1, -1).reduce((s, w) => s + w, 0);
    return [
      name,
      ...keys.map((k) => configs[i]!.get(k) ?? ''),
      num(last?.train_loss),
      num(last?.test_loss),
      num(last?.train_acc),
      num(last?.test_acc),
      snap?.weights_kept !== undefined && snap.weights_total !== undefined ? `${snap.weights_kept}/${snap.weights_total}` : '',
      hidden !== undefined ? `${hidden}/${width}` : '',
      snap?.modules ? String(snap.modules.length) : '',
      num(snap?.modularity_q, 3),
      num(meta.duration_s, 3),
    ];
  });
  return { columns, rows };
}

/** Aligned columns for the terminal. */
export function tableText(t: CompareTable): string {
  const all = [t.columns, ...t.rows];
  const widths = t.columns.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  return all.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n') + '\n';
}

/** A GitHub-flavoured Markdown table (| in a cell escaped). */
export function tableMarkdown(t: CompareTable): string {
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(t.columns), line(t.columns.map(() => '---')), ...t.rows.map(line)].join('\n') + '\n';
}

/** CSV, by csv-writer as metrics.csv is written (cells with a comma, quote or newline quoted). */
export function tableCsv(t: CompareTable): string {
  const csv = createArrayCsvStringifier({ header: [...t.columns] });
  return csv.getHeaderString()! + csv.stringifyRecords(t.rows.map((r) => [...r]));
}
