/**
 * `--set key.path=value` overrides, applied to the parsed YAML before validation so an override
 * is checked exactly like a value in the file. Values are read as YAML ("3" is a number, "[4, 20]"
 * a list, "true" a boolean); numeric path parts index into lists (`model.widths.1=30`).
 */
import { parse } from 'yaml';
import { BimtError } from '../errors.js';
import { excerpt } from '../util/excerpt.js';
import { clonePlain, getOwn, isPlainObject, setOwn } from './plain.js';

export interface Override {
  /** The argument as given. */
  readonly text: string;
  /** The argument for messages, `--set key=value`, a long value cut short. */
  readonly label: string;
  readonly path: readonly (string | number)[];
  readonly value: unknown;
}

/** `flag` names where the override came from in messages (`--set`, or a sweep's `--grid`). */
export function parseOverride(text: string, flag = '--set'): Override {
  const label = `${flag} ${excerpt(text, 80)}`;
  const eq = text.indexOf('=');
  if (eq <= 0) throw new BimtError(`${label}: expected key.path=value, e.g. --set train.steps=2000`);
  const key = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1);
  const parts = key.split('.');
  if (parts.some((p) => p === '' || !/^[A-Za-z0-9_-]+$/.test(p))) {
    throw new BimtError(`${label}: "${key}" is not a key path (names separated by dots)`);
  }
  let value: unknown;
  try {
    value = raw.trim() === '' ? '' : parse(raw);
  } catch (e) {
    throw new BimtError(`${label}: value is not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
  return { text, label, path: parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p)), value };
}

/**
 * Applies overrides in order to a copy of a plain object from YAML, creating missing sections. Keys are
 * written as own properties (./plain.ts), so `--set __proto__.x=1` makes a key `__proto__` that
 * validation reports as unknown, rather than changing Object.prototype.
 */
export function applyOverrides(doc: unknown, overrides: readonly Override[]): Record<string, unknown> {
  // A copy: the document's sections may be a config layer's own, which later readers still use.
  const root: Record<string, unknown> = isPlainObject(doc) ? clonePlain(doc) : {};
  for (const o of overrides) {
    let node: unknown = root;
    o.path.forEach((part, i) => {
      const last = i === o.path.length - 1;
      const where = o.path.slice(0, i).join('.') || '(top level)';
      if (typeof part === 'number') {
        if (!Array.isArray(node)) throw new BimtError(`${o.label}: ${where} is not a list`);
        if (part > node.length) throw new BimtError(`${o.label}: ${where} has ${node.length} entries; index ${part} is out of range`);
        if (last) node[part] = o.value;
        else node = node[part] ??= {};
        return;
      }
      if (!isPlainObject(node)) throw new BimtError(`${o.label}: ${where} is not a section`);
      if (last) setOwn(node, part, o.value);
      else {
        const child = getOwn(node, part);
        if (child === undefined || child === null) setOwn(node, part, {});
        node = getOwn(node, part);
      }
    });
  }
  return root;
}
