/**
 * Plain objects parsed from YAML or `--set`, read and written through own properties only. A key
 * such as `__proto__` or `constructor` is then an ordinary (unknown) key that validation rejects,
 * never a way to reach Object.prototype.
 */

export type PlainObject = Record<string, unknown>;

export function isPlainObject(v: unknown): v is PlainObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The own property `key` of `obj`, ignoring anything inherited. */
export function getOwn(obj: object, key: string | number): unknown {
  return Object.hasOwn(obj, key) ? (obj as Record<string | number, unknown>)[key] : undefined;
}

/** Sets the own property `key`; `obj.__proto__ = v` would change the prototype instead. */
export function setOwn(obj: object, key: string | number, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * `over` laid on `base`: mappings merge key by key, anything else (lists included) is replaced
 * whole. Neither argument is changed.
 */
export function deepMerge(base: PlainObject, over: PlainObject): PlainObject {
  const out: PlainObject = {};
  for (const [k, v] of Object.entries(base)) setOwn(out, k, v);
  for (const [k, v] of Object.entries(over)) {
    const b = getOwn(out, k);
    setOwn(out, k, isPlainObject(b) && isPlainObject(v) ? deepMerge(b, v) : v);
  }
  return out;
}

/** A deep copy of YAML data (mappings and lists copied, through own properties; scalars shared). */
export function clonePlain<T>(value: T): T {
  if (Array.isArray(value)) return value.map(clonePlain) as T;
  if (!isPlainObject(value)) return value;
  const out: PlainObject = {};
  for (const [k, v] of Object.entries(value)) setOwn(out, k, clonePlain(v));
  return out as T;
}
