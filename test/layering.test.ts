// The import graph of src/ (docs/design.md, "Layers"): no cycles, and no folder imports a folder
// above it. Imports are read with a regexp, type-only and dynamic ones included: a type import is
// a dependency too, and a dynamic one is still a load.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Lowest first. A folder (or a file directly under src/) may import only from earlier entries. */
const LAYERS: readonly (readonly string[])[] = [
  ['errors', 'version'],
  ['util'],
  ['webgpu'],
  ['backend'],
  ['tasks'],
  ['model'],
  ['config'],
  ['bimt'],
  ['runs'],
  ['train'],
  ['plot'],
  ['reproduce', 'sweep', 'view'],
  ['cli', 'bench'],
];

const files = (readdirSync('src', { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => join('src', f));

/** Relative imports of a source file, as paths of .ts files under src/. */
function importsOf(file: string, text: string): string[] {
  const specs = [
    ...text.matchAll(/^\s*(?:import|export)\b[^'";]*?\bfrom\s+'(\.{1,2}\/[^']+)'/gm),
    ...text.matchAll(/^\s*import\s+'(\.{1,2}\/[^']+)'/gm),
    ...text.matchAll(/\bimport\(\s*'(\.{1,2}\/[^']+)'\s*\)/g),
  ].map((m) => m[1]);
  return specs.map((s) => normalize(join(dirname(file), s.replace(/\.js$/, '.ts'))));
}

const graph = new Map(files.map((f) => [f, importsOf(f, readFileSync(f, 'utf8'))]));

/** The layer entry a file belongs to: its folder under src/, or its name without .ts. */
function unit(file: string): string {
  const parts = relative('src', file).split(/[\\/]/);
  return parts.length > 1 ? parts[0] : parts[0].replace(/\.ts$/, '');
}

function rank(u: string): number {
  const r = LAYERS.findIndex((layer) => layer.includes(u));
  if (r < 0) throw new Error(`src/${u} is in no layer of test/layering.test.ts (and docs/design.md, "Layers"): add it`);
  return r;
}

/** One cycle of the graph as a path a -> ... -> a, or undefined. */
function findCycle(g: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): string[] | undefined => {
    state.set(f, 'open');
    stack.push(f);
    for (const d of g.get(f) ?? []) {
      if (state.get(d) === 'open') return [...stack.slice(stack.indexOf(d)), d];
      if (!state.has(d)) {
        const c = visit(d);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(f, 'done');
    return undefined;
  };
  for (const f of g.keys()) {
    if (!state.has(f)) {
      const c = visit(f);
      if (c) return c;
    }
  }
  return undefined;
}

describe('the import graph of src/', () => {
  it('is read correctly: every import resolves to a file of src/', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get(join('src', 'cli', 'main.ts'))).toContain(join('src', 'errors.ts'));
    const missing = [...graph].flatMap(([f, ds]) => ds.filter((d) => !graph.has(d)).map((d) => `${f} -> ${d}`));
    expect(missing).toEqual([]);
  });

  it('finds a cycle when there is one (the check itself)', () => {
    expect(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]]))).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle(new Map([['a', ['b']], ['b', []], ['c', ['a', 'b']]]))).toBeUndefined();
  });

  it('has no import cycle', () => {
    expect(findCycle(graph)).toBeUndefined();
  });

  it('imports only downwards: no folder imports one of its own layer or above', () => {
    const upward = [...graph].flatMap(([f, ds]) =>
      ds.filter((d) => unit(d) !== unit(f) && rank(unit(d)) >= rank(unit(f))).map((d) => `${f} -> ${d}`),
    );
    expect(upward).toEqual([]);
  });
});
