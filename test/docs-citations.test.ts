// Comments cite the project's own docs by file and section ("docs/design.md, "Connection cost"",
// "docs/cli.md, "bimt plot"", "README.md, "Set-up: two commands""), never reference pages outside
// the repository, and every cited file and section exists.
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
const docs = ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
/** Each doc's section headings (## and ###, a command heading's backticks and arguments left out). */
const headings = new Map(
  docs.map((doc) => [
    doc,
    new Set(
      readFileSync(doc, 'utf8')
        .split('\n')
        .filter((l) => /^#{2,3} /.test(l))
        .map((l) => l.replace(/^#+ /, '').trim())
        .flatMap((h) => [h, h.replace(/^`([^`]*)`$/, '$1')]),
    ),
  ]),
);

/** The sections a file cites, "doc: section", with comment continuations (" * ", "// ") joined into one line. */
function citedSections(source: string): string[] {
  const joined = source.replace(/\n\s*(\*(?!\/)|\/\/)\s*/g, ' ');
  return [...joined.matchAll(/((?:docs\/[\w-]+|README)\.md), "([^"]+)"/g)].map((m) => `${m[1]}: ${m[2]}`);
}

/** Whether the doc exists and has the section (a command's section by its heading's words up to the first argument). */
function hasSection(cited: string): boolean {
  const [doc, section] = [cited.slice(0, cited.indexOf(': ')), cited.slice(cited.indexOf(': ') + 2)];
  const sections = headings.get(doc);
  return sections !== undefined && (sections.has(section) || [...sections].some((h) => h.startsWith(`${section} `)));
}

describe('citations in src/ and test/', () => {
  it('reads the sources and the headings', () => {
    expect(sources.length).toBeGreaterThan(50);
    expect(headings.get('docs/design.md')).toContain('Connection cost');
    expect(docs).toEqual(expect.arrayContaining(['README.md', 'docs/cli.md', 'docs/config.md', 'docs/design.md', 'docs/engines-and-gpu.md', 'docs/experiments.md', 'docs/performance.md', 'docs/run-directory.md']));
  });

  it('cite nothing outside the repository', () => {
    const outside = [...text].flatMap(([f, s]) =>
      s.split('\n').flatMap((line, i) => (OUTSIDE.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(outside).toEqual([]);
  });

  it('name docs and sections that exist', () => {
    const cited = [...text].flatMap(([f, s]) => citedSections(s).map((h) => ({ f, h })));
    expect(cited.length).toBeGreaterThan(20);
    expect(cited.filter(({ h }) => !hasSection(h)).map(({ f, h }) => `${f}: ${h}`)).toEqual([]);
  });

  it('know a section from one a doc does not have', () => {
    expect(hasSection('docs/design.md: Connection cost')).toBe(true);
    expect(hasSection('docs/design.md: Connection costs')).toBe(false);
    expect(hasSection('docs/nowhere.md: Connection cost')).toBe(false);
  });

  it('joins a citation that a comment wraps across lines', () => {
    expect(citedSections('/**\n * see (docs/experiments.md, "Symbolic\n * formulas") for more\n */')).toEqual(['docs/experiments.md: Symbolic formulas']);
    expect(citedSections('// a (docs/experiments.md, "Two\n// moons")')).toEqual(['docs/experiments.md: Two moons']);
  });
});
