// No regular expression in src/ backtracks exponentially: each regex literal of src/ (found by the
// TypeScript parser, so none is missed) runs on adversarial inputs of 10,000 characters in a child
// process with a kill timeout. An exponential pattern (the config loader's old empty-file test,
// /^(\s*#.*\n?)*\s*$/, hung on 30 comment lines) makes the child run until it is killed, and the
// test fails naming the pattern. A hang guard, not a speed measurement: the timeout is generous.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

interface Literal {
  readonly where: string;
  readonly source: string;
  readonly flags: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every regular expression literal of src/, and every `RegExp(...)` call (which must have literal arguments). */
function regexLiterals(): { literals: Literal[]; dynamic: string[] } {
  const literals: Literal[] = [];
  const dynamic: string[] = [];
  for (const file of sourceFiles('src')) {
    const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const where = (n: ts.Node) => `${file}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`;
    const visit = (n: ts.Node): void => {
      if (n.kind === ts.SyntaxKind.RegularExpressionLiteral) {
        const text = n.getText(sf);
        const end = text.lastIndexOf('/');
        literals.push({ where: where(n), source: text.slice(1, end), flags: text.slice(end + 1) });
      } else if ((ts.isNewExpression(n) || ts.isCallExpression(n)) && n.expression.getText(sf) === 'RegExp') {
        const [pattern, flags] = n.arguments ?? [];
        if (pattern && ts.isStringLiteral(pattern) && (!flags || ts.isStringLiteral(flags))) {
          literals.push({ where: where(n), source: pattern.text, flags: flags && ts.isStringLiteral(flags) ? flags.text : '' });
        } else {
          dynamic.push(where(n));
        }
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return { literals, dynamic };
}

// The child: for each pattern, strings of 10,000 characters made of one or two characters
// repeated (after the pattern's literal start, so anchored patterns reach their loops), each
// followed by characters that make the match fail at the very end, which is what makes a
// backtracking engine try every way of splitting the run. It prints each pattern before trying
// it, so the last line names the one that hung.
const CHILD = `
const patterns = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const N = 10000;
const singles = [...new Set([...' \\t\\r\\n#:-_.,=+/\\\\|"\\'<>()[]{}0123456789aexAEX%&*', '\\u00e9'])];
const core = [' ', '\\n', '#', '0', '1', '.', '-', '_', 'a', 'e', 'x', ':', '\\\\'];
const units = [...singles];
for (const a of core) for (const b of core) if (a !== b) units.push(a + b);
const suffixes = ['', '!', '\\n!', '\\u0000'];
for (const p of patterns) {
  process.stdout.write(p.where + ' /' + p.source + '/' + p.flags + '\\n');
  const re = new RegExp(p.source, p.flags);
  const start = /^\\^?((?:[A-Za-z0-9_ :-]|\\\\[.\\-/])*)/.exec(p.source)[1].replace(/\\\\(.)/g, '$1');
  for (const u of units) {
    const body = start + u.repeat(Math.ceil((N - start.length) / u.length)).slice(0, N - start.length);
    for (const s of suffixes) {
      re.lastIndex = 0;
      (body + s).match(re);
      (body + s).replace(re, '');
    }
  }
}
process.stdout.write('done\\n');
`;

describe('regular expressions in src/', () => {
  const { literals, dynamic } = regexLiterals();

  it('are all literals the test can read', () => {
    expect(literals.length).toBeGreaterThan(50);
    expect(dynamic).toEqual([]);
  });

  it('finish on adversarial inputs of 10,000 characters', () => {
    const r = spawnSync(process.execPath, ['-e', CHILD], { input: JSON.stringify(literals), encoding: 'utf8', timeout: 120_000, killSignal: 'SIGKILL' });
    const lines = r.stdout.trim().split('\n');
    expect(r.stderr).toBe('');
    expect(lines[lines.length - 1], `still running when killed: ${lines[lines.length - 1]}`).toBe('done');
    expect(lines).toHaveLength(literals.length + 1);
  }, 180_000);
});
