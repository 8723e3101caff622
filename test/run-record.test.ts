// What a run directory records about itself: config.yaml's source and overrides, meta.json's
// command, versions, machine, commit and time, the step-0 checkpoint, and per-output losses in
// metrics.csv for regression tasks with several outputs (read back by readMetrics, identical
// after an interrupted and resumed run).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend.js';
import { loadConfig } from '../src/config/load.js';
import { METRICS_COLUMNS, parseMetrics, readMetrics } from '../src/runs/metrics.js';
import { resumeTraining, runTraining } from '../src/train/run.js';

const runs = mkdtempSync(join(tmpdir(), 'bimt-run-record-'));
const sets = ['train.steps=300', 'output.eval_every=50', 'output.checkpoint_every=100'];
const run = join(runs, 'formula');
const quiet = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;

describe('a run directory describes itself', () => {
  beforeAll(() => {
    const r = spawnSync(process.execPath, ['bin/bimt.js', 'train', 'configs/independence.yaml', ...sets.flatMap((s) => ['--set', s]), '--runs-dir', runs, '--name', 'formula'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });

  it('config.yaml names its source, each --set and the runs directory used, and loads back', () => {
    const text = readFileSync(join(run, 'config.yaml'), 'utf8');
    expect(text.split('\n').slice(0, 4)).toEqual(['# source: configs/independence.yaml', ...sets.map((s) => `# --set ${s}`)]);
    const { config } = loadConfig(join(run, 'config.yaml'));
    expect(config.output.runs_dir).toBe(runs); // --runs-dir, not the config's "runs"
    expect(config.train.steps).toBe(300);
  });

  it('meta.json records the command, versions, machine, commit, time and config checksum', () => {
    const meta = JSON.parse(readFileSync(join(run, 'meta.json'), 'utf8'));
    expect(meta.command).toEqual(['bimt', 'train', 'configs/independence.yaml', ...sets.flatMap((s) => ['--set', s]), '--runs-dir', runs, '--name', 'formula']);
    expect(meta.node_version).toBe(process.version);
    expect(meta.tfjs_version).toBe(JSON.parse(readFileSync('node_modules/@tensorflow/tfjs/package.json', 'utf8')).version);
    expect(meta.host).toMatchObject({ name: hostname(), platform: `${process.platform}-${process.arch}` });
    expect(meta.duration_s).toBeGreaterThan(0);
    expect(meta.resumes).toEqual([]);
    expect(meta.config_sha256).toBe(createHash('sha256').update(readFileSync(join(run, 'config.yaml'))).digest('hex'));
    const head = spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' });
    if (head.status === 0) expect(meta.git_commit).toBe(head.stdout.trim());
    // One key style: every key snake_case.
    const keys = (o: unknown): string[] => (o && typeof o === 'object' && !Array.isArray(o) ? Object.entries(o).flatMap(([k, v]) => (k.startsWith('step-') ? [] : [k, ...keys(v)])) : []);
    for (const k of keys(meta)) expect(k).toMatch(/^[a-z0-9]+(_[a-z0-9]+)*$/);
  });

  it('has a checkpoint and a snapshot of step 0', () => {
    expect(existsSync(join(run, 'checkpoints', 'step-000000.safetensors'))).toBe(true);
    expect(existsSync(join(run, 'snapshots', 'step-000000.json'))).toBe(true);
  });

  it('metrics.csv has each output loss after the common columns, and they average to the loss', () => {
    const header = readFileSync(join(run, 'metrics.csv'), 'utf8').split('\n')[0];
    expect(header).toBe([...METRICS_COLUMNS, 'train_loss_1', 'train_loss_2', 'test_loss_1', 'test_loss_2'].join(','));
    const rows = readMetrics(join(run, 'metrics.csv'));
    expect(rows.map((r) => r.step)).toEqual([0, 50, 100, 150, 200, 250, 300]);
    for (const r of rows) {
      const per = r.output_losses!;
      expect(per.train).toHaveLength(2);
      expect((per.train[0] + per.train[1]) / 2).toBeCloseTo(r.train_loss, 5);
      expect((per.test[0] + per.test[1]) / 2).toBeCloseTo(r.test_loss, 5);
    }
  });

  it('a classification run keeps exactly the common columns', () => {
    const r = spawnSync(process.execPath, ['bin/bimt.js', 'train', 'configs/two-moons.yaml', '--set', 'train.steps=100', '--set', 'lambda.changes=[]', '--runs-dir', runs, '--name', 'moons'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(runs, 'moons', 'metrics.csv'), 'utf8').split('\n')[0]).toBe(METRICS_COLUMNS.join(','));
  });

  it('readMetrics refuses a header that is not a metrics header', () => {
    expect(() => parseMetrics('step,lambda,oops\n', 'm.csv')).toThrow(/m\.csv: unexpected header "step,lambda,oops"/);
    expect(() => parseMetrics(`${METRICS_COLUMNS.join(',')},train_loss_1\n`, 'm.csv')).toThrow(/unexpected header/);
  });

  it('per-output columns are byte-identical after an interrupted and resumed run', async () => {
    const { config, plan } = loadConfig('configs/independence.yaml', sets);
    const backend = await selectBackend();
    const whole = await runTraining({ config, plan, name: 'whole', exactName: true, backend, runsDir: runs, progressStream: quiet });
    const part = await runTraining({ config, plan, name: 'part', exactName: true, backend, runsDir: runs, progressStream: quiet, stopAfter: 130 });
    expect(part.status).toBe('interrupted');
    expect(part.stepsDone).toBe(130);
    const done = await resumeTraining(part.paths.root, { backend, progressStream: quiet });
    expect(done.status).toBe('completed');
    expect(readFileSync(done.paths.metrics, 'utf8')).toBe(readFileSync(whole.paths.metrics, 'utf8'));
  });

  it('a run from an older bimt (no per-output columns, no config checksum) resumes without them', async () => {
    const { config, plan } = loadConfig('configs/independence.yaml', sets);
    const backend = await selectBackend();
    const old = await runTraining({ config, plan, name: 'old', exactName: true, backend, runsDir: runs, progressStream: quiet, stopAfter: 130 });
    const common = (text: string) => text.split('\n').map((l) => l.split(',').slice(0, METRICS_COLUMNS.length).join(',')).join('\n');
    writeFileSync(old.paths.metrics, common(readFileSync(old.paths.metrics, 'utf8')));
    const meta = JSON.parse(readFileSync(old.paths.meta, 'utf8'));
    delete meta.config_sha256;
    writeFileSync(old.paths.meta, JSON.stringify(meta));

    const r = spawnSync(process.execPath, ['bin/bimt.js', 'train', '--resume', old.paths.root], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('no checksum of config.yaml (a run from an older bimt)');
    expect(r.stderr).toContain('no per-output loss columns (a run from an older bimt); the resumed run leaves them out too');
    expect(readFileSync(old.paths.metrics, 'utf8')).toBe(common(readFileSync(join(runs, 'whole', 'metrics.csv'), 'utf8')));
  });
});
