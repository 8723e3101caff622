// What the CLI loads before it works: `bimt --help` and a run of the host engine load no tfjs and
// no plotting code, a run that needs a backend still loads one, and an unknown command is one line.
// Which modules load is read through a module-resolution hook; how fast is `npm run bench`'s
// business, not a test's.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readMeta, runPaths } from '../src/runs/run-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'bimt-startup-'));
const hook = join(dir, 'hook.mjs');
writeFileSync(hook, `export async function resolve(spec, ctx, next) {
  const r = await next(spec, ctx);
  process.stderr.write('loaded ' + r.url + '\\n');
  return r;
}\n`);
const register = join(dir, 'register.mjs');
writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hook).href)});\n`);

/** Runs bimt; returns its exit status, its stderr without the hook's lines, and the modules it loaded. */
function bimt(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', register, 'bin/bimt.js', ...args], { encoding: 'utf8' });
  const lines = r.stderr.split('\n');
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: lines.filter((l) => !l.startsWith('loaded ')).join('\n').trim(),
    loaded: lines.filter((l) => l.startsWith('loaded ')).map((l) => l.slice('loaded '.length)),
  };
}

const tfjs = (urls: string[]) => urls.filter((u) => u.includes('@tensorflow'));
/**
 * Drawing code: dist/plot/ but the list of plot kinds the help shows and pca.js, arithmetic that
 * the claims behind `bimt reproduce`'s list of figures use.
 */
const drawing = (urls: string[]) => urls.filter((u) => u.includes('/dist/plot/') && !/\/plot\/(kinds|pca)\.js$/.test(u));

describe('bimt --help', () => {
  it('lists the commands without loading tfjs or the drawing code', () => {
    const r = bimt('--help');
    expect(r.status).toBe(0);
    for (const c of ['train', 'prune', 'eval', 'plot', 'ls', 'reproduce']) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect(r.loaded.some((u) => u.endsWith('/dist/cli/main.js'))).toBe(true); // the hook sees what loads
    expect(tfjs(r.loaded)).toEqual([]);
    expect(drawing(r.loaded)).toEqual([]);
  });

  it("answers a command's --help without loading its work", () => {
    const r = bimt('plot', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--kind <kind>.*choices: "network", "curves",\s+"task",\s+"fields",\s+"ablation",\s+"all"/s);
    expect(tfjs(r.loaded)).toEqual([]);
    expect(drawing(r.loaded)).toEqual([]);
    const e = bimt('eval', '--help');
    expect(e.status).toBe(0);
    expect(e.stdout).toMatch(/--split <split>.*choices: "train", "test",\s+"all"/s);
    expect(e.stdout).toContain('--data <file>');
    expect(tfjs(e.loaded)).toEqual([]);
  });
});

describe('bimt train: only what the run uses', () => {
  it('trains two moons on the host engine with no tfjs loaded, records backend none and when the first step was done', () => {
    const r = bimt('train', 'configs/two-moons.yaml', '--set', 'train.steps=30', '--set', 'lambda.changes=[]', '--runs-dir', dir, '--name', 'moons');
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^bimt: backend none \(the host engine computes without tfjs\)\nbimt: engine host /);
    expect(tfjs(r.loaded)).toEqual([]);
    expect(drawing(r.loaded)).toEqual([]);
    const meta = readMeta(runPaths(join(dir, 'moons')));
    expect(meta).toMatchObject({ status: 'completed', backend: 'none', engine: 'host' });
    expect(meta.first_step_ms).toBeGreaterThan(0);
  });

  it('still loads a backend when one is forced, and records it', () => {
    const r = bimt('train', 'configs/two-moons.yaml', '--set', 'train.steps=10', '--set', 'lambda.changes=[]', '--backend', 'cpu', '--runs-dir', dir, '--name', 'forced');
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^bimt: backend cpu\n/);
    expect(readMeta(runPaths(join(dir, 'forced')))).toMatchObject({ backend: 'cpu', engine: 'host' });
  });

  it('loads a backend for a network the host engine cannot train (token inputs)', () => {
    const small = ['task.p=7', 'task.embedding_dim=4', 'model.widths=[8, 6, 6, 7]', 'train.steps=5', 'lambda.changes=[]'];
    const r = bimt('train', 'configs/modular-addition.yaml', ...small.flatMap((s) => ['--set', s]), '--runs-dir', dir, '--name', 'tokens');
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^bimt: backend (tensorflow-gpu|tensorflow|wasm|cpu)\b/);
    expect(tfjs(r.loaded).length).toBeGreaterThan(0);
    expect(readMeta(runPaths(join(dir, 'tokens'))).backend).not.toBe('none');
  });
});

describe('an unknown command', () => {
  it('is one line naming the closest command, exit 2', () => {
    const r = bimt('trian', 'x');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("bimt: unknown command 'trian' (did you mean train?)");
    expect(bimt('prnue').stderr).toBe("bimt: unknown command 'prnue' (did you mean prune?)");
  });

  it('lists the commands in one line when none is close', () => {
    const r = bimt('frobnicate');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("bimt: unknown command 'frobnicate' (commands: train, prune, eval, ablate, plot, ls, reproduce, sweep, compare, view, help)");
  });
});
