/**
 * Loading a config file: YAML -> `--set` overrides -> schema validation -> resolution. Every
 * problem becomes one BimtError line that names the file, the line:column of the offending key,
 * the key path and what is allowed, e.g.
 *
 *   configs/x.yaml:14:3: train.stepz: unknown key (allowed: steps, lr, batch, beta1, beta2, eps)
 *
 * A problem in a value given by `--set` names that argument instead of a line.
 */
import { basename, extname } from 'node:path';
import { isMap, isPair, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { z } from 'zod';
import { BimtError } from '../errors.js';
import { runNameFromFileName } from '../runs/names.js';
import { MAX_CONFIG_BYTES, readRegularFile } from '../util/files.js';
import { applyOverrides, parseOverride, type Override } from './overrides.js';
import { isResolveIssue, resolveConfig, type ResolvedConfig } from './resolve.js';
import { configSchema } from './schema.js';

export interface LoadedConfig {
  readonly config: ResolvedConfig;
  /** The file it came from. */
  readonly file: string;
}

export function loadConfig(file: string, sets: readonly string[] = []): LoadedConfig {
  return { config: parseConfig(readConfigText(file), file, sets), file };
}

function readConfigText(file: string): string {
  return readRegularFile(file, 'config file', MAX_CONFIG_BYTES).toString('utf8');
}

/** Parses config text; `file` is used for messages and the default run name. */
export function parseConfig(text: string, file: string, sets: readonly string[] = []): ResolvedConfig {
  if (text.trim() === '' || /^(\s*#.*\n?)*\s*$/.test(text)) {
    throw new BimtError(`${file}: the config file is empty (see configs/two-moons.yaml for an example)`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const where = (offset: number) => {
    const p = lines.linePos(offset);
    return `${file}:${p.line}:${p.col}`;
  };
  const yamlError = doc.errors[0];
  if (yamlError) {
    throw new BimtError(`${where(yamlError.pos[0])}: invalid YAML: ${yamlError.message.split('\n')[0]}`);
  }
  const plain: unknown = doc.toJS();
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    throw new BimtError(`${file}:1:1: the config must be a mapping of sections (task, model, lambda, train, ...)`);
  }
  const overrides = sets.map(parseOverride);
  const merged = applyOverrides(plain, overrides);

  const located = (path: readonly (string | number)[], message: string, unknownKey?: string): BimtError => {
    const full = unknownKey === undefined ? path : [...path, unknownKey];
    const o = overrideFor(overrides, full);
    const key = full.join('.') || '(top level)';
    if (o) return new BimtError(`--set ${o.text}: ${key}: ${message}`);
    return new BimtError(`${where(offsetOf(doc, path, unknownKey))}: ${key}: ${message}`);
  };

  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    // A misspelt key also makes its correct spelling "missing"; the unknown key says more.
    const issues = parsed.error.issues;
    const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]!;
    const path = issue.path as (string | number)[];
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeys(path, merged);
      throw located(path, `unknown key${allowed ? ` (allowed: ${allowed.join(', ')})` : ''}`, issue.keys[0]);
    }
    throw located(path, describe(issue, path, merged));
  }
  const fallbackName = runNameFromFileName(basename(file, extname(file)));
  const resolved = resolveConfig(parsed.data, fallbackName);
  if (isResolveIssue(resolved)) {
    const steps = overrideFor(overrides, ['train', 'steps']);
    throw located(resolved.path, resolved.message + (steps ? ` (train.steps comes from --set ${steps.text})` : ''));
  }
  return resolved;
}

/** The override that set this path (or one of its parents), if any: the last one wins. */
function overrideFor(overrides: readonly Override[], path: readonly (string | number)[]): Override | undefined {
  const prefix = (a: readonly (string | number)[], b: readonly (string | number)[]) => a.every((p, i) => String(b[i]) === String(p));
  // An override that set this key or a parent of it, or one that created this (unknown) key.
  return [...overrides].reverse().find((o) => (path.length > 0 && prefix(o.path, path)) || (path.length > 0 && prefix(path, o.path)));
}

/** Source offset of a key path: the key itself when it exists, else its nearest existing parent. */
function offsetOf(doc: Document, path: readonly (string | number)[], unknownKey?: string): number {
  const target = unknownKey === undefined ? path : [...path, unknownKey];
  for (let n = target.length; n > 0; n--) {
    const parent = n === 1 ? doc.contents : (doc.getIn(target.slice(0, n - 1), true) as Node | undefined);
    const last = target[n - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(last));
      const k = pair?.key as Node | undefined;
      if (k?.range) return k.range[0];
    }
    const node = doc.getIn(target.slice(0, n), true) as Node | undefined;
    if (node && typeof node === 'object' && 'range' in node && node.range) return node.range[0];
  }
  return 0;
}

/** A zod issue in words, with the allowed values where the schema knows them. */
function describe(issue: z.core.$ZodIssue, path: (string | number)[], config: unknown): string {
  const got = valueAt(config, path);
  if (got === undefined && issue.code === 'invalid_type') return `missing (required: ${issue.expected})`;
  if (path.length === 2 && path[0] === 'task' && path[1] === 'kind') return `unknown task ${JSON.stringify(got)}`;
  if (issue.code === 'invalid_union' && path.length === 1 && path[0] === 'task') {
    return `unknown task kind ${JSON.stringify(valueAt(config, ['task', 'kind']))} (allowed: ${taskKinds().join(', ')})`;
  }
  if (typeof got === 'number' && !Number.isFinite(got)) return `${got} is not allowed (a finite number is required)`;
  return `${issue.message} (got ${JSON.stringify(got)})`;
}

function taskKinds(): string[] {
  const task = configSchema.shape.task as unknown as { options: { shape: { kind: { value: string } } }[] };
  return task.options.map((o) => o.shape.kind.value);
}

function valueAt(v: unknown, path: readonly (string | number)[]): unknown {
  let node = v;
  for (const p of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[p];
  }
  return node;
}

/** Keys the schema allows for the object at `path` (the task section: for its kind). */
function allowedKeys(path: readonly (string | number)[], config: unknown): string[] | undefined {
  let schema: unknown = configSchema;
  for (const [i, p] of path.entries()) {
    const obj = objectOf(schema, valueAt(config, path.slice(0, i)));
    if (!obj) return undefined;
    schema = obj.shape[String(p)];
  }
  const obj = objectOf(schema, valueAt(config, path));
  return obj ? Object.keys(obj.shape) : undefined;
}

/** The object schema inside defaults/optionals/unions (picking the union member for `value.kind`). */
function objectOf(schema: unknown, value: unknown): z.ZodObject | undefined {
  let s = schema as z.ZodType | undefined;
  for (let guard = 0; s && guard < 10; guard++) {
    if (s instanceof z.ZodObject) return s;
    const def = (s as unknown as { _zod: { def: { innerType?: z.ZodType; options?: z.ZodType[] } } })._zod.def;
    if (def.innerType) s = def.innerType;
    else if (def.options) {
      const objects = def.options.filter((o): o is z.ZodObject => o instanceof z.ZodObject);
      const kind = (value as { kind?: unknown } | undefined)?.kind;
      s = objects.find((o) => (o.shape.kind as { value?: unknown } | undefined)?.value === kind) ?? objects[0];
    } else return undefined;
  }
  return undefined;
}
