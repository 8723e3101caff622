/**
 * A sweep's grid (docs/design.md, "Sweeps"): axes of values for config keys, from `--grid
 * key=v1,v2,...` and `--seeds 0..7` or from a config file's `sweep:` section, and their cross
 * product, the points. Each point is a list of overrides applied to the base config exactly like
 * `--set` (so a bad key or value is reported as `--set` reports it, naming the grid entry), and a
 * run name that says what it sets.
 *
 * Seeds are the innermost axis, so the seeds of one setting are neighbours (p00-p03 are one
 * lambda's four seeds), and the key `seed` moves the sub-seeds a config pins unless the grid pins
 * them too (src/config/load.ts).
 */
import { parse, stringify } from 'yaml';
import { BimtError } from '../errors.js';
import { parseOverride, type Override } from '../config/overrides.js';
import { excerpt } from '../util/excerpt.js';

/** One swept key and its values, in the order given. */
export interface Axis {
  readonly key: string;
  readonly values: readonly unknown[];
  /** Where it was given, for messages: `--grid lambda.initial=...` or `file:line:col`. */
  readonly origin: string;
}

export interface SweepPoint {
  /** Position in the cross product, 0-based: the Slurm array index. */
  readonly index: number;
  /** The run directory's name inside the sweep directory. */
  readonly name: string;
  /** The overrides, one per axis, as `--set` text (`lambda.initial=0.001`). */
  readonly sets: readonly string[];
}

/** Points a sweep may have: far more than anyone runs, few enough that a typo (0..1e6) is refused at once. */
export const MAX_POINTS = 10_000;

/** The key `--seeds` sweeps. */
export const SEED_KEY = 'seed';

/** `--grid key=v1,v2,...`: values are YAML, separated by commas outside brackets and quotes. */
export function parseGridArg(arg: string): Axis {
  const origin = `--grid ${excerpt(arg, 80)}`;
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new BimtError(`${origin}: expected key=value1,value2,... (e.g. --grid lambda.initial=1e-4,1e-3)`);
  const key = arg.slice(0, eq).trim();
  const items = splitTopLevel(arg.slice(eq + 1), origin);
  const values = items.map((text) => {
    try {
      return parse(text);
    } catch (e) {
      throw new BimtError(`${origin}: value ${excerpt(text, 40)} is not valid YAML (${(e as Error).message.split('\n')[0]})`);
    }
  });
  return checkAxis({ key, values, origin });
}

/** `--seeds 0..7` (inclusive), `0,3,5` or `4`. */
export function parseSeeds(text: string, origin = `--seeds ${excerpt(text, 40)}`): Axis {
  const values: number[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    const range = /^(\d+)\s*\.\.\s*(\d+)$/.exec(part);
    if (range) {
      const [a, b] = [Number(range[1]), Number(range[2])];
      if (b < a) throw new BimtError(`${origin}: range ${part} runs backwards (write ${b}..${a})`);
      if (b - a + 1 > MAX_POINTS) throw new BimtError(`${origin}: range ${part} has more than ${MAX_POINTS} seeds`);
      for (let s = a; s <= b; s++) values.push(s);
    } else if (/^\d+$/.test(part)) values.push(Number(part));
    else throw new BimtError(`${origin}: expected seeds such as 0..7, 0,3,5 or 4 (non-negative integers); got ${excerpt(part, 40)}`);
  }
  return checkAxis({ key: SEED_KEY, values, origin });
}

/** An axis from a `sweep:` section: `key: [values]`, or for seeds the `--seeds` forms or a list. */
export function yamlAxis(key: string, value: unknown, origin: string): Axis {
  if (key === SEED_KEY && typeof value === 'string') return parseSeeds(value, origin);
  if (key === SEED_KEY && typeof value === 'number') return checkAxis({ key, values: [value], origin });
  if (!Array.isArray(value)) throw new BimtError(`${origin}: ${key}: expected a list of values, e.g. ${key}: [1, 2, 3]`);
  return checkAxis({ key, values: value, origin });
}

function checkAxis(axis: Axis): Axis {
  const { key, values, origin } = axis;
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(key)) throw new BimtError(`${origin}: "${excerpt(key, 40)}" is not a key path (names separated by dots)`);
  if (values.length === 0) throw new BimtError(`${origin}: ${key} has no values`);
  const seen = new Set<string>();
  for (const v of values) {
    const k = JSON.stringify(v);
    if (seen.has(k)) throw new BimtError(`${origin}: ${key} lists ${valueText(v)} twice`);
    seen.add(k);
  }
  return axis;
}

/** Refuses a key swept twice, or swept and also inside another swept key (model.widths and model.widths.1). */
export function checkAxes(axes: readonly Axis[]): void {
  if (axes.length === 0) throw new BimtError('the grid is empty: give --grid key=v1,v2,... or --seeds, or a sweep: section with grid or seeds');
  for (const [i, a] of axes.entries()) {
    for (const b of axes.slice(i + 1)) {
      if (a.key === b.key) throw new BimtError(`${b.origin}: ${b.key} is swept twice (also by ${a.origin})`);
      const [short, long] = a.key.length < b.key.length ? [a, b] : [b, a];
      if (long.key.startsWith(`${short.key}.`)) throw new BimtError(`${long.origin}: ${long.key} is inside ${short.key}, which ${short.origin} sweeps already`);
    }
  }
  const count = axes.reduce((n, a) => n * a.values.length, 1);
  if (count > MAX_POINTS) throw new BimtError(`the grid has ${count} points, more than ${MAX_POINTS}; sweep fewer values`);
}

/** The cross product of the axes, the first axis outermost. */
export function expandGrid(axes: readonly Axis[]): SweepPoint[] {
  checkAxes(axes);
  const count = axes.reduce((n, a) => n * a.values.length, 1);
  const digits = String(count - 1).length;
  const points: SweepPoint[] = [];
  for (let index = 0; index < count; index++) {
    let rest = index;
    const picked: { axis: Axis; value: unknown }[] = [];
    for (let a = axes.length - 1; a >= 0; a--) {
      const axis = axes[a]!;
      picked.unshift({ axis, value: axis.values[rest % axis.values.length] });
      rest = Math.floor(rest / axis.values.length);
    }
    const prefix = `p${String(index).padStart(Math.max(2, digits), '0')}`;
    points.push({
      index,
      name: pointName(prefix, picked.map((p) => ({ key: p.axis.key, value: p.value }))),
      sets: picked.map((p) => `${p.axis.key}=${valueText(p.value)}`),
    });
  }
  return points;
}

/** The overrides of a point, labelled with the grid entry each came from. */
export function pointOverrides(axes: readonly Axis[], point: SweepPoint): Override[] {
  return point.sets.map((text, i) => {
    const o = parseOverride(text);
    return { ...o, label: `${axes[i]!.origin} (value ${excerpt(text.slice(text.indexOf('=') + 1), 40)})` };
  });
}

/** A value as one line of YAML (flow style), which reads back as the same value. */
export function valueText(v: unknown): string {
  return stringify(v, { collectionStyle: 'flow', lineWidth: 0 }).trim();
}

/** Longest run name (config/run-name.ts allows 100). */
const MAX_NAME = 100;

/** `p03-initial0.001-seed1`: the index, then each key's last part and its value, in run-name characters. */
function pointName(prefix: string, values: readonly { key: string; value: unknown }[]): string {
  const parts = values.map(({ key, value }) => {
    const segs = key.split('.');
    // model.widths.1 -> widths1: a bare index says nothing.
    const label = /^\d+$/.test(segs.at(-1)!) && segs.length > 1 ? `${segs.at(-2)}${segs.at(-1)}` : segs.at(-1)!;
    const v = valueText(value).replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '');
    return `${label}${v}`.slice(0, 30);
  });
  let name = prefix;
  for (const p of parts) {
    if (name.length + 1 + p.length > MAX_NAME) break;
    name += `-${p}`;
  }
  return name;
}

/** Splits on commas at bracket depth 0 and outside quotes; refuses an empty item. */
function splitTopLevel(text: string, origin: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
    else if ((c === ',' && depth === 0) || i === text.length) {
      const item = text.slice(start, i).trim();
      if (item === '' && !(i === text.length && items.length === 0 && text.trim() === '')) {
        throw new BimtError(`${origin}: empty value${text.trim() === '' ? 's' : ''} (values are separated by commas)`);
      }
      if (item !== '') items.push(item);
      start = i + 1;
    }
  }
  if (quote || depth !== 0) throw new BimtError(`${origin}: unbalanced ${quote ? 'quote' : 'brackets'}`);
  return items;
}
