/**
 * `bimt compare`'s table (issue 15): one row per run, read from the run directories alone.
 * Columns: the config keys whose values differ between the runs (from each run's resolved
 * config.yaml, flattened to dotted keys), the last metrics row's losses and accuracies, what the
 * newest snapshot says of the pruned graph (weights kept, hidden neurons alive, modules,
 * modularity Q) and the wall time meta.json recorded. Each run is read once into a RunRecord,
 * which the table and `bimt compare --plot` share.
 */
import { createArrayCsvStringifier } from 'csv-writer';
import { parse } from 'yaml';
import { BimtError } from '../errors.js';
import { MAX_CONFIG_BYTES, readRegularFile } from '../util/files.js';
import { readSnapshot } from './graph-record.js';
import { readMetrics, type MetricsRow } from './metrics.js';
import { listCheckpoints, readMeta, type RunPaths } from './run-dir.js';

export interface CompareTable {
  /** Column names, the differing config keys first. */
  readonly columns: readonly string[];
  /** One row per run, a cell per column ('' where a run has no value). */
  readonly rows: readonly (readonly string[])[];
}

/** Keys that name a run or where it went rather than how it was trained: never compared. */
const NOT_COMPARED = new Set(['name', 'output.runs_dir']);

/** The resolved config's leaves by dotted key, as YAML read them (a list is one leaf). */
function flatten(value: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (!NOT_COMPARED.has(prefix)) out.set(prefix, value);
  return out;
}

/** A config value as the table writes it: a string as it is, anything else (lists too) as JSON. */
export function configText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function readConfigKeys(paths: RunPaths): Map<string, unknown> {
  const text = readRegularFile(paths.config, "run's config", MAX_CONFIG_BYTES).toString('utf8');
  try {
    return flatten(parse(text));
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

/**
 * What compare knows of one run, read once from its directory: the table and `bimt compare
 * --plot` (src/plot/compare-plot.ts) are both made from these. Undefined where the run has no
 * such file or field (no metrics row yet, no snapshot, a snapshot from before Q).
 */
export interface RunRecord {
  readonly name: string;
  /** The resolved config's leaves by dotted key (`name` and `output.runs_dir` left out). */
  readonly config: ReadonlyMap<string, unknown>;
  /** The last metrics row. */
  readonly last?: MetricsRow;
  /** From the newest snapshot: edges above output.snapshot_threshold, of all weights. */
  readonly weightsKept?: number;
  readonly weightsTotal?: number;
  /** From the newest snapshot: hidden neurons alive, of all hidden neurons. */
  readonly hiddenAlive?: number;
  readonly hiddenWidth?: number;
  readonly modules?: number;
  readonly q?: number;
  /** meta.json's duration_s. */
  readonly wallS?: number;
}

/** Reads every run's record. Errors name the run's file that cannot be read. */
export function readRunRecords(runs: readonly NamedRun[]): RunRecord[] {
  if (runs.length === 0) throw new BimtError('no runs to compare');
  // Every config first, so that a broken one is reported before anything else is read.
  const configs = runs.map((r) => readConfigKeys(r.paths));
  return runs.map(({ paths, name }, i) => {
    const config = configs[i]!;
    const meta = readMeta(paths);
    const last = readMetrics(paths.metrics).at(-1);
    const steps = listCheckpoints(paths);
    const snap = steps.length > 0 ? readSnapshot(paths, steps[steps.length - 1]!) : undefined;
    const counted = snap?.weights_kept !== undefined && snap.weights_total !== undefined;
    return {
      name,
      config,
      last,
      weightsKept: counted ? snap.weights_kept : undefined,
      weightsTotal: counted ? snap.weights_total : undefined,
      hiddenAlive: snap?.layers?.slice(1, -1).reduce((s, l) => s + l.length, 0),
      hiddenWidth: snap?.widths?.slice(1, -1).reduce((s, w) => s + w, 0),
      modules: snap?.modules ? snap.modules.length : undefined,
      q: snap?.modularity_q,
      wallS: meta.duration_s,
    };
  });
}

/** The config keys whose values are not the same in every record (absent counts as a value), sorted. */
export function differingKeys(records: readonly RunRecord[]): string[] {
  const keys = [...new Set(records.flatMap((r) => [...r.config.keys()]))];
  const seen = (r: RunRecord, k: string) => (r.config.has(k) ? `=${configText(r.config.get(k))}` : 'absent');
  return keys.filter((k) => new Set(records.map((r) => seen(r, k))).size > 1).sort();
}

/** Record `r`'s value of config key `k` as the table writes it ('' where the run has no such key). */
export function configValueText(r: RunRecord, k: string): string {
  return r.config.has(k) ? configText(r.config.get(k)) : '';
}

/** The table of `runs`. Errors name the run's file that cannot be read. */
export function compareRuns(runs: readonly NamedRun[]): CompareTable {
  return compareTable(readRunRecords(runs));
}

/** The table of records already read. */
export function compareTable(records: readonly RunRecord[]): CompareTable {
  const keys = differingKeys(records);
  const columns = ['run', ...keys, 'train loss', 'test loss', 'train acc', 'test acc', 'weights kept', 'hidden alive', 'modules', 'Q', 'wall s'];
  const rows = records.map((r) => [
    r.name,
    ...keys.map((k) => configValueText(r, k)),
    num(r.last?.train_loss),
    num(r.last?.test_loss),
    num(r.last?.train_acc),
    num(r.last?.test_acc),
    r.weightsKept !== undefined ? `${r.weightsKept}/${r.weightsTotal}` : '',
    r.hiddenAlive !== undefined ? `${r.hiddenAlive}/${r.hiddenWidth}` : '',
    r.modules !== undefined ? String(r.modules) : '',
    num(r.q, 3),
    num(r.wallS, 3),
  ]);
  return { columns, rows };
}

/** A number per run that `bimt compare --plot` can draw: the table's columns, by name. */
export interface CompareMetric {
  /** As --metric takes it (the table's column name with _ for spaces; case and spaces do not matter). */
  readonly name: string;
  /** The axis title. */
  readonly label: string;
  readonly value: (r: RunRecord) => number | undefined;
  /** Why a run may have no value, for the error when none has. */
  readonly absent: string;
  /** What a count is out of (all weights, all hidden neurons), for an axis title such as "weights kept (of 480)". */
  readonly of?: (r: RunRecord) => number | undefined;
}

const FROM_SNAPSHOT = 'it comes from the newest snapshot, written at each checkpoint';
const last = (k: 'train_loss' | 'test_loss' | 'train_acc' | 'test_acc' | 'connection_cost') => (r: RunRecord) => r.last?.[k] ?? undefined;

export const COMPARE_METRICS: readonly CompareMetric[] = [
  { name: 'test_acc', label: 'test accuracy', value: last('test_acc'), absent: 'regression tasks record no accuracy' },
  { name: 'test_loss', label: 'test loss', value: last('test_loss'), absent: 'no metrics row yet' },
  { name: 'train_acc', label: 'train accuracy', value: last('train_acc'), absent: 'regression tasks record no accuracy' },
  { name: 'train_loss', label: 'train loss', value: last('train_loss'), absent: 'no metrics row yet' },
  { name: 'connection_cost', label: 'connection cost', value: last('connection_cost'), absent: 'no metrics row yet' },
  { name: 'weights_kept', label: 'weights kept', value: (r) => r.weightsKept, absent: FROM_SNAPSHOT, of: (r) => r.weightsTotal },
  { name: 'hidden_alive', label: 'hidden neurons alive', value: (r) => r.hiddenAlive, absent: FROM_SNAPSHOT, of: (r) => r.hiddenWidth },
  { name: 'modules', label: 'modules', value: (r) => r.modules, absent: FROM_SNAPSHOT },
  { name: 'Q', label: 'modularity Q', value: (r) => r.q, absent: `${FROM_SNAPSHOT} (by bimt versions that record Q)` },
  { name: 'wall_s', label: 'wall time (s)', value: (r) => r.wallS, absent: 'meta.json records it when a run ends' },
];

/** The metric --metric names: `test_acc`, `test acc`, `Test-Acc` alike. */
export function findMetric(name: string): CompareMetric {
  const norm = (s: string) => s.trim().toLowerCase().replace(/[\s-]+/g, '_');
  const m = COMPARE_METRICS.find((x) => norm(x.name) === norm(name));
  if (!m) throw new BimtError(`--metric ${name}: not a metric compare plots; one of ${COMPARE_METRICS.map((x) => x.name).join(', ')}`);
  return m;
}

/** What --plot draws without --metric: test accuracy where some run has it, else test loss. */
export function defaultMetric(records: readonly RunRecord[]): CompareMetric {
  const acc = findMetric('test_acc');
  return records.some((r) => Number.isFinite(acc.value(r))) ? acc : findMetric('test_loss');
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
