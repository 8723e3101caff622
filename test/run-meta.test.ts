// Runs with a broken meta.json and `bimt ls` over a real runs directory, through the CLI: one bad
// run must not hide the others; prune, plot and resume say in one line which file and field is
// wrong; runs nested in reproduce or sweep directories are listed; the steps columns agree with
// the metric shown.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const runs = mkdtempSync(join(tmpdir(), 'bimt-meta-'));
const bimt = (...a: string[]) => spawnSync(process.execPath, ['bin/bimt.js', ...a], { encoding: 'utf8' });
const good = join(runs, 'good');
let meta: Record<string, unknown>;

/** A copy of the good run with meta.json replaced by `text`. */
function runWithMeta(name: string, text: string): string {
  const dir = join(runs, name);
  cpSync(good, dir, { recursive: true });
  writeFileSync(join(dir, 'meta.json'), text);
  return dir;
}

function oneLineError(r: ReturnType<typeof bimt>): string {
  expect(r.status).toBe(2);
  expect(r.stderr).not.toMatch(/internal error|TypeError|\n\s+at /);
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('bimt: backend'));
  expect(lines).toHaveLength(1);
  return lines[0];
}

/** `bimt ls` rows as cells, by run name. */
function lsRows(dir: string): Map<string, string[]> {
  const r = bimt('ls', dir);
  expect(r.status, r.stderr).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines[0].split(/\s{2,}/)).toEqual(['run', 'status', 'task', 'steps', 'checkpoint', 'test metric']);
  return new Map(lines.slice(1).map((l) => l.split(/\s{2,}/)).map((cells) => [cells[0], cells.slice(1)]));
}

beforeAll(() => {
  const r = bimt('train', 'configs/two-moons.yaml', '--set', 'train.steps=400', '--set', 'lambda.changes=[]', '--set', 'output.eval_every=50', '--set', 'output.checkpoint_every=200', '--runs-dir', runs, '--name', 'good');
  expect(r.status, r.stderr).toBe(0);
  meta = JSON.parse(readFileSync(join(good, 'meta.json'), 'utf8'));
});

describe('a broken meta.json', () => {
  const broken: [string, () => string, RegExp][] = [
    ['empty-object', () => '{}', /field bimt_version is missing/],
    ['null', () => 'null', /expected a JSON object/],
    ['array', () => '[1, 2]', /expected a JSON object/],
    ['not-json', () => '{"status": ', /\(.*JSON.*\)/],
    ['bad-status', () => JSON.stringify({ ...meta, status: 'finished' }), /field status is "finished"; expected one of/],
    ['bad-steps', () => JSON.stringify({ ...meta, steps_done: 'many' }), /field steps_done is "many"; expected number/],
    ['bad-checkpoints', () => JSON.stringify({ ...meta, checkpoints: [] }), /field checkpoints is \[\]; expected record/],
    ['bad-checksum', () => JSON.stringify({ ...meta, checkpoints: { 'step-000200.safetensors': 7 } }), /field checkpoints\.step-000200\.safetensors is 7; expected string/],
  ];

  it('is listed by ls as unreadable, with the reason on stderr, and every other run is listed', () => {
    const dirs = broken.map(([name, text]) => runWithMeta(`broken-${name}`, text()));
    const rows = lsRows(runs);
    const acc = Number(readFileSync(join(good, 'metrics.csv'), 'utf8').trimEnd().split('\n').at(-1)!.split(',')[5]).toFixed(4);
    expect(rows.get('good')).toEqual(['completed', 'two-moons', '400/400', '400', `acc ${acc}`]);
    for (const [name] of broken) expect(rows.get(`broken-${name}`), name).toEqual(['unreadable', '-', '-', '-', '-']);
    const stderr = bimt('ls', runs).stderr;
    broken.forEach(([, , why], i) => expect(stderr).toMatch(new RegExp(`bimt: ${join(dirs[i], 'meta.json')}: unreadable run metadata.*${why.source}`)));
  });

  it('makes prune, plot and resume fail in one line naming the file and the field', () => {
    // A few kinds of breakage; each command reads meta.json through the same readMeta.
    for (const [name, , why] of broken.filter(([n]) => ['null', 'bad-status', 'bad-checksum'].includes(n))) {
      const dir = join(runs, `broken-${name}`);
      for (const args of [['prune', dir], ['plot', dir, '--kind', 'curves'], ['train', '--resume', dir]]) {
        const line = oneLineError(bimt(...args));
        expect(line, `${args[0]} ${name}`).toContain(`${join(dir, 'meta.json')}: unreadable run metadata`);
        expect(line, `${args[0]} ${name}`).toMatch(why);
      }
    }
  });

  it('with fields this bimt does not know is read, and resumed with them kept', () => {
    const dir = runWithMeta('newer', JSON.stringify({ ...meta, status: 'interrupted', steps_done: 200, command: ['bimt', 'train'], durations: { train_s: 1 } }));
    expect(lsRows(runs).get('newer')?.[0]).toBe('interrupted');
    const r = bimt('train', '--resume', dir);
    expect(r.status, r.stderr).toBe(0);
    const after = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
    expect(after).toMatchObject({ status: 'completed', command: ['bimt', 'train'], durations: { train_s: 1 } });
  });
});

describe('bimt ls', () => {
  it('lists a run killed while it was being created (config.yaml, no meta.json) as unreadable', () => {
    const runs = mkdtempSync(join(tmpdir(), 'bimt-ls-'));
    cpSync(good, join(runs, 'fine'), { recursive: true });
    mkdirSync(join(runs, 'half'));
    cpSync(join(good, 'config.yaml'), join(runs, 'half', 'config.yaml'));
    const r = bimt('ls', runs);
    expect(r.stderr).toMatch(/half\/meta\.json: no such run metadata file/);
    const rows = lsRows(runs);
    expect(rows.get('half')?.[0]).toBe('unreadable');
    expect(rows.get('fine')?.[0]).toBe('completed');
  });

  it('lists runs nested in reproduce and sweep directories by their path', () => {
    const nested = mkdtempSync(join(tmpdir(), 'bimt-ls-'));
    cpSync(good, join(nested, 'top'), { recursive: true });
    cpSync(good, join(nested, 'reproduce-20261125-120000', 'fig4'), { recursive: true });
    cpSync(good, join(nested, 'sweep-lr', 'lr-0.01', 'seed-1'), { recursive: true });
    mkdirSync(join(nested, 'empty-dir'));
    const rows = lsRows(nested);
    expect([...rows.keys()]).toEqual(['reproduce-20261125-120000/fig4', 'sweep-lr/lr-0.01/seed-1', 'top']);
    for (const cells of rows.values()) expect(cells[0]).toBe('completed');
  });

  it('shows progress and the metric of the same step, and the checkpoint a resume continues from', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'bimt-ls-')), 'killed');
    cpSync(good, dir, { recursive: true });
    // As a run killed at step 250: rows up to 250, the newest checkpoint 200, meta.json `running`.
    const lines = readFileSync(join(dir, 'metrics.csv'), 'utf8').split('\n');
    const kept = lines.filter((l, i) => i === 0 || (l !== '' && Number(l.split(',')[0]) <= 250));
    writeFileSync(join(dir, 'metrics.csv'), `${kept.join('\n')}\n`);
    // A killed run has no files of later steps, and meta.json no checksums of them.
    const later = (f: string) => Number(/^step-(\d+)\./.exec(f)?.[1] ?? 0) > 200;
    for (const f of readdirSync(join(dir, 'checkpoints')).filter(later)) rmSync(join(dir, 'checkpoints', f));
    const checkpoints = Object.fromEntries(Object.entries(meta.checkpoints as Record<string, string>).filter(([f]) => !later(f)));
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ ...meta, status: 'running', steps_done: 200, checkpoints }));
    const acc = Number(kept.at(-1)!.split(',')[5]).toFixed(4);
    expect(lsRows(join(dir, '..')).get('killed')).toEqual(['killed', 'two-moons', '250/400', '200', `acc ${acc}`]);
  });
});
