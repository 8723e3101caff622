// docs/config.md is generated (scripts/config-doc.mjs) from src/config/reference.ts, whose rows
// describe exactly the keys of the config schema (src/config/schema.ts): a key without a row, a row
// naming no key of the schema, or a docs/config.md older than its source each fail here.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../src/config/schema.js';
import { CONFIG_REFERENCE, renderConfigReference, rowKeys, schemaKeys } from '../src/config/reference.js';

/** A key the reference describes but no schema has: `extends` is read by the YAML loader before validation. */
const LOADER_KEYS = ['extends'];

describe('config reference', () => {
  const keys = schemaKeys(configSchema);
  const described = new Set(CONFIG_REFERENCE.flatMap(rowKeys));

  it('walks the schema to its sections and task and model kinds', () => {
    expect(keys).toContain('seed');
    expect(keys).toContain('task.formula');
    expect(keys).toContain('task.encoding');
    expect(keys).toContain('model.widths');
    expect(keys).toContain('model.heads');
    expect(keys).toContain('swap.objective');
    expect(keys).toContain('output.eval_rows');
    expect(keys).not.toContain('swap.objective.weight_factor');
    expect(keys).not.toContain('task');
  });

  it('walks defaults, optionals, unions of objects, and stops below a section', () => {
    const s = z.strictObject({
      a: z.number().default(1),
      b: z.discriminatedUnion('k', [z.strictObject({ k: z.literal('x'), p: z.number() }), z.strictObject({ k: z.literal('y'), q: z.number().optional() })]),
      c: z.strictObject({ d: z.strictObject({ e: z.number() }).optional() }).prefault({}),
    });
    expect(schemaKeys(s)).toEqual(['a', 'b.k', 'b.p', 'b.q', 'c.d']);
  });

  it('describes every key of the schema', () => {
    expect(keys.filter((k) => !described.has(k))).toEqual([]);
  });

  it('describes no key the schema lacks', () => {
    const known = new Set([...keys, ...LOADER_KEYS]);
    expect([...described].filter((k) => !known.has(k))).toEqual([]);
  });

  it('is what docs/config.md holds (run npm run config-doc after changing it)', () => {
    expect(readFileSync('docs/config.md', 'utf8')).toBe(renderConfigReference());
  });
});
