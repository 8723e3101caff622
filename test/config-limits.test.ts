// Formulas and YAML that are too big or too deep: bounded, reported in one short line, never a
// stack overflow or an internal error; long flat sums evaluate without deep recursion.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_LENGTH, parseExpression } from '../src/tasks/expression.js';
import { usageErrorOf } from './config-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'bimt-limits-'));
const bimt = (...a: string[]) => spawnSync(process.execPath, ['bin/bimt.js', ...a], { encoding: 'utf8', timeout: 60_000 });
const moons = readFileSync('configs/two-moons.yaml', 'utf8');
const symbolic = (outputs: string) => moons.replace(/task:\n(  .*\n)+/, `task:\n  kind: symbolic\n  inputs: 2\n  outputs: [${outputs}]\n`).replace('widths: [2, 20, 20, 2]', 'widths: [2, 20, 20, 1]');

const errorOf = (src: string) => usageErrorOf(() => parseExpression(src, 2));

function expectOneShortLine(r: ReturnType<typeof bimt>, message: RegExp) {
  expect(r.signal).toBeNull();
  expect(r.status).toBe(2);
  expect(r.stderr).not.toMatch(/Maximum call stack|\n\s+at /);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]!.length).toBeLessThan(400);
  expect(lines[0]).toMatch(message);
}

describe('formula limits', () => {
  it('evaluates a long flat sum and product without deep recursion', () => {
    const terms = Math.floor(MAX_EXPRESSION_LENGTH / 3);
    const sum = Array.from({ length: terms }, () => 'x1').join('+');
    expect(parseExpression(sum, 1).evaluate([1])).toBe(terms);
    const alternating = Array.from({ length: terms }, (_, i) => (i % 2 ? '-x1' : '+x1')).join('');
    expect(parseExpression(alternating, 1).evaluate([1])).toBe(terms % 2);
    const product = Array.from({ length: terms }, () => 'x1').join('*');
    expect(parseExpression(product, 1).evaluate([-1])).toBe(terms % 2 ? -1 : 1);
    expect(parseExpression(Array.from({ length: terms }, () => '2').join('/'), 1).evaluate([0])).toBe(2 ** (2 - terms));
  });

  it('accepts nesting up to the bound', () => {
    const depth = MAX_EXPRESSION_DEPTH - 1;
    expect(parseExpression(`${'('.repeat(depth)}x1${')'.repeat(depth)}`, 1).evaluate([0.5])).toBe(0.5);
    expect(parseExpression(`${'sin('.repeat(depth - 1)}0${')'.repeat(depth - 1)}`, 1).evaluate([0])).toBe(0);
  });

  it.each([
    ['parentheses', `${'('.repeat(3000)}x1${')'.repeat(3000)}`],
    ['functions', `${'sin('.repeat(1500)}x1${')'.repeat(1500)}`],
    ['signs', `${'-'.repeat(5000)}x1`],
    ['powers', Array.from({ length: 3000 }, () => 'x1').join('^')],
  ])('refuses nesting too deep: %s', (_, src) => {
    expect(errorOf(src)).toMatch(new RegExp(`: nested more than ${MAX_EXPRESSION_DEPTH} levels deep at column \\d+$`));
  });

  it('refuses a formula too long, quoting only its start', () => {
    const msg = errorOf('x1+'.repeat(MAX_EXPRESSION_LENGTH));
    expect(msg).toMatch(new RegExp(`^expression "(x1\\+)+x?1?\\+?\\.\\.\\." \\(${3 * MAX_EXPRESSION_LENGTH} characters\\): ${3 * MAX_EXPRESSION_LENGTH} characters is too long \\(at most ${MAX_EXPRESSION_LENGTH}\\)$`));
    expect(msg.length).toBeLessThan(200);
  });

  it('quotes a long formula with a syntax error by a short excerpt', () => {
    const msg = errorOf(`${'x1+'.repeat(1000)}*x2`);
    expect(msg).toMatch(/^expression "x1\+x1\+.*\.\.\." \(3003 characters\): unexpected "\*" at column 3001$/);
    expect(msg.length).toBeLessThan(200);
  });
});

describe('through the CLI', () => {
  it('a deeply nested formula in a config', () => {
    const p = join(dir, 'deep.yaml');
    writeFileSync(p, symbolic(`"${'('.repeat(4000)}x1${')'.repeat(4000)}"`));
    expectOneShortLine(bimt('train', p, '--runs-dir', dir), /deep\.yaml:\d+:\d+: task\.outputs\.0: expression "\(\(\(.*\.\.\." \(8002 characters\): nested more than \d+ levels deep at column \d+$/);
  });

  it('a huge formula with a syntax error given by --set is quoted once, briefly', () => {
    const p = join(dir, 'sym.yaml');
    writeFileSync(p, symbolic('"x1"'));
    // Well above the length bound, below the operating system's limit on one argument (128 KiB).
    const huge = `${'x1+'.repeat(30_000)}*`;
    const r = bimt('train', p, '--set', `task.outputs=["${huge}"]`, '--runs-dir', dir);
    expectOneShortLine(r, /--set task\.outputs=\["x1\+x1.*\.\.\. \(\d+ characters\): task\.outputs\.0: expression "x1\+.*\.\.\." \(90001 characters\): 90001 characters is too long/);
  });

  it('a YAML alias bomb is a config error, not an internal one', () => {
    const p = join(dir, 'bomb.yaml');
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...['b', 'c', 'd', 'e', 'f'].map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcde'[i]}`).join(', ')}]`)].join('\n');
    writeFileSync(p, `${bomb}\n${moons}`);
    expectOneShortLine(bimt('train', p, '--runs-dir', dir), /^bimt: .*bomb\.yaml: invalid YAML: its aliases \(\*name\) expand to too many values/);
  });
});
