// bimt sweep with the local launcher, end to end: the sweep directory's contents, a point that
// diverges and one whose process is killed (the others go on), and an interrupted sweep that,
// resumed, ends with exactly the metrics of an uninterrupted one.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runBimt, type CliResult } from './cli-run.js';
import { metricsOf, pointRecord, POINTS, SMALL_GRID } from './sweep-run.js';

const dir = mkdtempSync(join(tmpdir(), 'bimt-sweep-local-'));
const whole = join(dir, 'whole');
let first: CliResult;

/** Resolves once `ready()` holds, polling every 50 ms (the test's timeout bounds it). */
async function until(ready: () => boolean): Promise<void> {
  while (!ready()) await new Promise((r) => setTimeout(r, 50));
}

describe('a local sweep', () => {
  beforeAll(async () => {
    first = await runBimt(['sweep', ...SMALL_GRID, '--runs-dir', dir, '--name', 'whole', '--jobs', '2']);
  }, 300_000);

  it('runs every point and writes the sweep directory', () => {
    expect(first.stderr).toContain('4 point(s) to run, launcher local, 2 at once');
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('4 points: 4 completed');
    expect(readdirSync(whole).sort()).toEqual(['launcher.json', 'logs', 'points', 'sweep.yaml', ...POINTS].sort());
    const spec = parse(readFileSync(join(whole, 'sweep.yaml'), 'utf8'));
    expect(spec.grid.map((a: { key: string; values: unknown[] }) => [a.key, a.values])).toEqual([['lambda.initial', [1e-3, 1e-2]], ['seed', [0, 1]]]);
    expect(spec.launcher).toEqual({ kind: 'local', jobs: 2 });
    for (const [i, p] of POINTS.entries()) {
      expect(pointRecord(whole, p)).toMatchObject({ state: 'completed', attempts: 1 });
      const meta = JSON.parse(readFileSync(join(whole, p, 'meta.json'), 'utf8'));
      expect(meta).toMatchObject({ status: 'completed', steps_done: 1500, seed: i % 2 });
      // Each point is a run of its own overrides, recorded in its config.yaml.
      const config = readFileSync(join(whole, p, 'config.yaml'), 'utf8');
      expect(config).toContain(`# --set lambda.initial=${i < 2 ? '0.001' : '0.01'}\n# --set seed=${i % 2}\n`);
      expect(parse(config).model.seed).toBe(i % 2);
      expect(readFileSync(join(whole, 'logs', `${p}.log`), 'utf8')).toMatch(/completed: .*\n  step 1500 of 1500/);
    }
    // Different seeds draw different networks; the same seed with another lambda starts alike.
    const row0 = (p: string) => metricsOf(whole, p).split('\n')[1]!.split(',').slice(2).join(',');
    expect(row0(POINTS[0]!)).not.toEqual(row0(POINTS[1]!));
    expect(row0(POINTS[0]!).split(',').slice(0, 4)).toEqual(row0(POINTS[2]!).split(',').slice(0, 4));
  });

  it('bimt compare reads the sweep directory: one row per point, the swept keys as columns', async () => {
    const r = await runBimt(['compare', whole, '--csv']);
    expect(r.status).toBe(0);
    const [header, ...rows] = r.stdout.trim().split('\n');
    expect(header!.split(',').slice(0, 5)).toEqual(['run', 'lambda.initial', 'model.seed', 'seed', 'task.seed']);
    expect(rows.map((row) => row.split(',')[0])).toEqual(POINTS);
  });

  it('records a point that diverges and one whose process is killed; the others finish', async () => {
    const args = ['sweep', 'configs/two-moons.yaml', '--grid', 'train.lr=0.002,1e30,0.003', '--set', 'train.steps=4000', '--set', 'lambda.changes=[]', '--runs-dir', dir, '--name', 'bad', '--jobs', '1'];
    const child = runBimt(args);
    // Kill -9 the first point's process while it trains: no record of its end is written.
    const record = join(dir, 'bad', 'points', 'p00-lr0.002.json');
    await until(() => existsSync(record) && existsSync(join(dir, 'bad', 'p00-lr0.002', 'metrics.csv')) && readFileSync(join(dir, 'bad', 'p00-lr0.002', 'metrics.csv'), 'utf8').split('\n').length > 3);
    process.kill(pointRecord(join(dir, 'bad'), 'p00-lr0.002').pid, 'SIGKILL');
    const r = await child;
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/p00-lr0\.002: killed \(SIGKILL\)/);
    expect(r.stderr).toMatch(/p01-lr1e_30: diverged: loss not finite by step \d+/);
    expect(r.stdout).toContain('3 points: 1 killed, 1 diverged, 1 completed');
    const status = await runBimt(['sweep', '--status', join(dir, 'bad')]);
    expect(status.stdout).toMatch(/p00-lr0\.002\s+killed/);
    expect(status.stdout).toMatch(/p01-lr1e_30\s+diverged\s+\d+\/4000 .* loss not finite/);
    // A resume runs the killed point again from its last checkpoint, and leaves the diverged one.
    const resumed = await runBimt(['sweep', '--resume', join(dir, 'bad')]);
    expect(resumed.stderr).toContain('1 point(s) to run (2 finished already)');
    expect(pointRecord(join(dir, 'bad'), 'p00-lr0.002')).toMatchObject({ state: 'completed', attempts: 2 });
    expect(pointRecord(join(dir, 'bad'), 'p01-lr1e_30')).toMatchObject({ state: 'diverged', attempts: 1 });
    expect(resumed.status).toBe(1); // the diverged point still did not complete
  }, 300_000);

  it('interrupted by SIGINT and resumed, ends with the metrics of the uninterrupted sweep', async () => {
    const cut = join(dir, 'cut');
    const child = spawn(process.execPath, ['bin/bimt.js', 'sweep', ...SMALL_GRID, '--runs-dir', dir, '--name', 'cut', '--jobs', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const exited = new Promise<number | null>((r) => child.on('close', r));
    // Stop it once the first point has finished and others run.
    await until(() => existsSync(join(cut, 'points', `${POINTS[0]}.json`)) && pointRecord(cut, POINTS[0]!).state === 'completed');
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toContain(`bimt: interrupted; continue with: node ${resolve('bin/bimt.js')} sweep --resume ${cut}`);
    const states = POINTS.map((p) => (existsSync(join(cut, 'points', `${p}.json`)) ? pointRecord(cut, p).state : 'pending'));
    expect(states).toContain('completed');
    expect(states.some((s) => s === 'interrupted' || s === 'pending')).toBe(true);
    expect(states).not.toContain('running');

    const resumed = await runBimt(['sweep', '--resume', cut]);
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).toContain('4 points: 4 completed');
    for (const p of POINTS) expect(metricsOf(cut, p)).toEqual(metricsOf(whole, p));
  }, 300_000);
});
