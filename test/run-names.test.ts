// One rule for run names, wherever a name comes from (--name, a config's `name:`, the config
// file's name), checked before anything is written; through the real CLI, from another directory.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRunName, runNameFromFileName } from '../src/config/run-name.js';

const BIN = resolve('bin/bimt.js');
const MOONS = readFileSync('configs/two-moons.yaml', 'utf8');
const QUICK = ['--set', 'train.steps=20', '--set', 'lambda.changes=[]', '--set', 'output.checkpoint_every=10'];

/** A fresh working directory holding `work/` (the cwd, with runs/ inside) and nothing else. */
function workspace(): { top: string; cwd: string } {
  const top = mkdtempSync(join(tmpdir(), 'bimt-names-'));
  const cwd = join(top, 'work');
  mkdirSync(cwd);
  return { top, cwd };
}

const bimt = (cwd: string, ...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });

function expectNameRefused(r: ReturnType<typeof bimt>, message: RegExp) {
  expect(r.status).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
}

/** Every path under `dir`, relative to it. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

describe('--name', () => {
  const bad: [string, string][] = [
    ['a parent path', '../../escaped'],
    ['a nested path', 'a/b'],
    ['an absolute path', '/tmp/bimt-absolute-run'],
    ['a newline', 'one\ntwo'],
    ['nothing', ''],
    ['"."', '.'],
    ['".."', '..'],
    ['a space', 'my run'],
    ['a leading dash', '-x'],
    ['more than 100 characters', 'x'.repeat(101)],
  ];
  it.each(bad)('refuses %s before anything is written', (_, name) => {
    const { top, cwd } = workspace();
    writeFileSync(join(cwd, 'moons.yaml'), MOONS);
    const r = bimt(cwd, 'train', 'moons.yaml', '--name', name, ...QUICK);
    expectNameRefused(r, /^bimt: --name ".*": not a valid run name \(letters, digits, "\.", "_" and "-", starting with a letter or digit/);
    expect(r.stderr).not.toMatch(/EEXIST|ENOENT|EISDIR|errno/);
    expect(tree(top)).toEqual(['work', join('work', 'moons.yaml')]);
    expect(existsSync('/tmp/bimt-absolute-run')).toBe(false);
  });

  it('accepts a valid name as the exact directory', () => {
    const { cwd } = workspace();
    const r = bimt(cwd, 'train', resolve('configs/two-moons.yaml'), '--name', 'Moons_1.b-2', ...QUICK);
    expect(r.status).toBe(0);
    expect(readdirSync(join(cwd, 'runs'))).toEqual(['Moons_1.b-2']);
  });
});

describe('a config name', () => {
  it('is checked by the same rule, with the file and line', () => {
    const { top, cwd } = workspace();
    writeFileSync(join(cwd, 'evil.yaml'), MOONS.replace('name: two-moons', 'name: ../../evil'));
    expectNameRefused(bimt(cwd, 'train', 'evil.yaml', ...QUICK), /^bimt: evil\.yaml:3:1: name: not a valid run name .*\(got "\.\.\/\.\.\/evil"\)$/);
    expect(tree(top)).toEqual(['work', join('work', 'evil.yaml')]);
  });

  it('--set name= is checked too', () => {
    const { cwd } = workspace();
    expectNameRefused(bimt(cwd, 'train', resolve('configs/two-moons.yaml'), '--set', 'name=a/b', ...QUICK), /^bimt: --set name=a\/b: name: not a valid run name/);
    expect(existsSync(join(cwd, 'runs'))).toBe(false);
  });
});

describe('a config file name with spaces', () => {
  it('becomes a valid run name, and the run it makes can be pruned, plotted and resumed', () => {
    const { cwd } = workspace();
    writeFileSync(join(cwd, 'my formula.yaml'), MOONS.replace(/^name: .*\n/m, ''));
    const trained = bimt(cwd, 'train', 'my formula.yaml', ...QUICK);
    expect(trained.status).toBe(0);
    const runs = readdirSync(join(cwd, 'runs'));
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatch(/^my-formula-\d{8}-\d{6}$/);
    const run = join('runs', runs[0]);
    expect(readFileSync(join(cwd, run, 'config.yaml'), 'utf8')).toMatch(/^name: my-formula$/m);

    expect(bimt(cwd, 'prune', run).status).toBe(0);
    expect(bimt(cwd, 'plot', run, '--kind', 'curves').status).toBe(0);
    // Make the finished run look interrupted: resuming it must read its config.yaml again.
    const meta = join(cwd, run, 'meta.json');
    writeFileSync(meta, readFileSync(meta, 'utf8').replace('"completed"', '"interrupted"'));
    const resumed = bimt(cwd, 'train', '--resume', run);
    expect(resumed.stderr).not.toMatch(/not a valid run name/);
    expect(resumed.status).toBe(0);
  });
});

describe('runNameFromFileName', () => {
  it('turns any file name into a valid run name', () => {
    expect(runNameFromFileName('my formula')).toBe('my-formula');
    expect(runNameFromFileName('  --weird  name!!')).toBe('weird-name-');
    expect(runNameFromFileName('.hidden')).toBe('hidden');
    expect(runNameFromFileName('été')).toBe('t-');
    expect(runNameFromFileName('***')).toBe('run');
    expect(runNameFromFileName('x'.repeat(300))).toHaveLength(100);
    for (const s of ['my formula', '  --weird  name!!', '.hidden', 'été', '***', 'x'.repeat(300), '..', 'a\nb']) {
      expect(isRunName(runNameFromFileName(s))).toBe(true);
    }
  });
});
