/**
 * Schema problems in bimt's words: what a key allows and what it got ("must be a positive whole
 * number (got 0)"), rather than zod's ("Too small: expected number to be >0"). The allowed range
 * is read from the schema itself, so the words cannot drift from the check.
 */
import { z } from 'zod';
import { closest } from '../util/closest.js';
import { excerpt, quote } from '../util/excerpt.js';
import { getOwn } from './plain.js';
import { configSchema } from './schema.js';

/**
 * The issue to report: an unknown key first (a misspelt key also makes its correct spelling
 * "missing"; the unknown key says more). A value that fits none of several object forms (a
 * lambda change with a bad `at`) is reported inside the form it comes closest to.
 */
export function pickIssue(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue {
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]!;
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue;
  const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0]!;
  // Options that fail as a whole (a number where a string was expected) are not forms to go into.
  if (closest.length === 0 || closest.some((i) => i.path.length === 0 && i.code !== 'unrecognized_keys')) return issue;
  return pickIssue(closest.map((i) => ({ ...i, path: [...issue.path, ...i.path] })));
}

/** A zod issue at `path` of `config` in words, without the key (load.ts adds file, line and key). */
export function describeIssue(issue: z.core.$ZodIssue, path: readonly (string | number)[], config: unknown): string {
  const got = valueAt(config, path);
  if (path.length === 2 && path[0] === 'task' && path[1] === 'kind') return `unknown task ${shown(got)}${knownTasks(got)}`;
  if (issue.code === 'invalid_union' && path.length === 1 && path[0] === 'task') {
    const kind = valueAt(config, ['task', 'kind']);
    return `unknown task kind ${shown(kind)}${knownTasks(kind)}`;
  }
  if (got === undefined && issue.code === 'invalid_type') return `missing (required: ${allowedValue(path, config) ?? issue.expected})`;
  // The schema's own message already says what is wrong and quotes what it must.
  // A custom check's message says what is wrong; it gets the value unless it quotes it already.
  if (issue.code === 'custom') return got === undefined || issue.message.includes(shown(got)) ? issue.message : `${issue.message} (got ${shown(got)})`;
  if (typeof got === 'number' && !Number.isFinite(got)) return `${got} is not allowed (a finite number is required)`;
  // A bound with a message of its own (widths: "at most 1000000 neurons per layer") says it best.
  if (issue.code === 'too_big' && !/^Too big/.test(issue.message)) return `${issue.message} (got ${shown(got)})`;
  const allowed = allowedValue(path, config);
  if (allowed) return `must be ${allowed} (got ${shown(got)})`;
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map((v) => String(v)).join(', ')} (got ${shown(got)})`;
  if (issue.code === 'invalid_format') return `must be ${issue.message} (got ${shown(got)})`;
  if (issue.code === 'too_small' && issue.origin === 'array') return `must have at least ${issue.minimum} entries (got ${shown(got)})`;
  if (issue.code === 'too_small' && issue.origin === 'string') return `must not be empty`;
  if (issue.code === 'invalid_type') return `must be ${article(issue.expected)} (got ${shown(got)})`;
  return `${issue.message} (got ${shown(got)})`;
}

/** Keys the schema allows for the object at `path` (the task section: for its kind). */
export function allowedKeys(path: readonly (string | number)[], config: unknown): string[] | undefined {
  const obj = objectOf(schemaAt(path, config), valueAt(config, path));
  return obj ? Object.keys(obj.shape) : undefined;
}

/** A value as the user wrote it, a long one by its start. */
function shown(v: unknown): string {
  return typeof v === 'string' ? quote(v) : excerpt(JSON.stringify(v) ?? String(v));
}

function article(noun: string): string {
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

/**
 * What the schema at `path` allows, in words ("a positive whole number", "a whole number from 2
 * to 4096", `"full" or a positive whole number`); undefined where words are not known.
 */
function allowedValue(path: readonly (string | number)[], config: unknown): string | undefined {
  return allowedBy(schemaAt(path, config), valueAt(config, path));
}

/** `got`: the value that failed, so that a bound it keeps (a width's maximum for a 0) goes unsaid. */
function allowedBy(schema: unknown, got?: unknown): string | undefined {
  const s = unwrap(schema);
  if (s instanceof z.ZodNumber) return numberRule(s, got);
  if (s instanceof z.ZodBoolean) return 'true or false';
  if (s instanceof z.ZodLiteral) return s.values.size === 1 ? JSON.stringify([...s.values][0]) : undefined;
  if (s instanceof z.ZodString) return patternRule(s);
  if (s instanceof z.ZodUnion) {
    const words = (s.options as unknown[]).map((o) => allowedBy(o, got));
    return words.every((w) => w !== undefined) ? words.join(' or ') : undefined;
  }
  return undefined;
}

/**
 * A string pattern's message, which schema.ts writes as a description of the form ("a percentage
 * of train.steps such as "25%""): read back by failing the pattern on purpose.
 */
function patternRule(s: z.ZodString): string | undefined {
  const issue = s.safeParse('\u0000').error?.issues[0];
  return issue?.code === 'invalid_format' ? issue.message : undefined;
}

function numberRule(number: z.ZodNumber, got?: unknown): string {
  let low: { value: number; inclusive: boolean } | undefined;
  let high: { value: number; inclusive: boolean } | undefined;
  let whole = false;
  for (const check of number._zod.def.checks ?? []) {
    const def = check._zod.def as { check: string; value?: number; inclusive?: boolean; format?: string };
    if (def.check === 'number_format' && /int/.test(def.format ?? '')) whole = true;
    if (def.check === 'greater_than') low = { value: def.value!, inclusive: def.inclusive! };
    if (def.check === 'less_than') high = { value: def.value!, inclusive: def.inclusive! };
  }
  // "A positive whole number" for a 0 or a 2.5, though the widths' maximum is part of the rule.
  if (high && low && !low.inclusive && typeof got === 'number' && got < high.value) high = undefined;
  const noun = whole ? 'whole number' : 'number';
  if (low && !high && low.value === 0) return low.inclusive ? `a non-negative ${noun}` : `a positive ${noun}`;
  if (low?.inclusive && high?.inclusive) return `a ${noun} from ${low.value} to ${high.value}`;
  const bounds = [
    low && (low.inclusive ? `at least ${low.value}` : `greater than ${low.value}`),
    high && (high.inclusive ? `at most ${high.value}` : `less than ${high.value}`),
  ].filter((b) => b !== undefined);
  return bounds.length ? `a ${noun} that is ${bounds.join(' and ')}` : `a ${noun}`;
}

/** The schema of the value at `path`, through objects, lists, defaults and the task's kinds. */
function schemaAt(path: readonly (string | number)[], config: unknown): unknown {
  let schema: unknown = configSchema;
  for (const [i, p] of path.entries()) {
    const parent = valueAt(config, path.slice(0, i));
    if (typeof p === 'number') {
      const list = unwrap(schema);
      if (!(list instanceof z.ZodArray)) return undefined;
      schema = list.element;
    } else {
      const obj = objectOf(schema, parent);
      if (!obj) return undefined;
      schema = obj.shape[p];
    }
  }
  return schema;
}

/** The schema inside defaults and optionals. */
function unwrap(schema: unknown): z.ZodType | undefined {
  let s = schema as z.ZodType | undefined;
  for (let guard = 0; s && guard < 10; guard++) {
    const inner = (s as unknown as { _zod: { def: { innerType?: z.ZodType } } })._zod.def.innerType;
    if (!inner) return s;
    s = inner;
  }
  return s;
}

/** The object schema inside defaults/optionals/unions (picking the union member for `value.kind`). */
function objectOf(schema: unknown, value: unknown): z.ZodObject | undefined {
  let s = schema as z.ZodType | undefined;
  for (let guard = 0; s && guard < 10; guard++) {
    if (s instanceof z.ZodObject) return s;
    const def = (s as unknown as { _zod: { def: { innerType?: z.ZodType; options?: z.ZodType[]; in?: z.ZodType } } })._zod.def;
    if (def.innerType) s = def.innerType;
    else if (def.in) s = def.in;
    else if (def.options) {
      const objects = def.options.filter((o): o is z.ZodObject => o instanceof z.ZodObject);
      const kind = (value as { kind?: unknown } | undefined)?.kind;
      s = objects.find((o) => (o.shape.kind as { value?: unknown } | undefined)?.value === kind) ?? objects[0];
    } else return undefined;
  }
  return undefined;
}

/** "; did you mean two-moons? (known tasks: ...)", the suggestion where one is close. */
function knownTasks(kind: unknown): string {
  const kinds = taskKinds();
  const best = typeof kind === 'string' ? closest(kind, kinds) : undefined;
  return `${best !== undefined ? `; did you mean ${best}?` : ''} (known tasks: ${kinds.join(', ')})`;
}

function taskKinds(): string[] {
  const task = configSchema.shape.task as unknown as { options: { shape: { kind: { value: string } } }[] };
  return task.options.map((o) => o.shape.kind.value);
}

function valueAt(v: unknown, path: readonly (string | number)[]): unknown {
  let node = v;
  for (const p of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = getOwn(node, p);
  }
  return node;
}
