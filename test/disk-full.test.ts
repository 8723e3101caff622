// File-system failures during training and resume, on a small tmpfs mounted for the test (CI runs
// as root; without the right to mount, the tests are skipped and say why). Through the CLI: a
// full disk, a read-only file system or a directory made immutable mid-run each end in one line
// naming the path (exit 1), leave every file complete, and --resume continues the run exactly
// once the cause is gone. The trainer is held with SIGSTOP while the disk is changed under it,
// so nothing depends on timing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BimtError } from '../src/errors.js';
import { METRICS_COLUMNS, MetricsWriter, readMetrics, type MetricsRow } from '../src/runs/metrics.js';

const SETS = ['--set', 'train.steps=1500', '--set', 'lambda.changes.0.at=700', '--set', 'output.eval_every=10', '--set', 'output.checkpoint_every=500'];
const base = mkdtempSync(join(tmpdir(), 'bimt-disk-'));
const bimt = (...a: string[]) => spawnSync(process.execPath, ['bin/bimt.js', ...a], { encoding: 'utf8' });

/** Mounts a tmpfs of `size` at a new directory, or says why it cannot. */
function tmpfs(name: string, size: string): { dir: string } | { why: string } {
  const dir = join(base, name);
  mkdirSync(dir);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  return r.status === 0 ? { dir } : { why: `cannot mount a tmpfs (${(r.stderr || String(r.error)).trim()}); run as root to test full disks` };
}
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) {
    spawnSync('chattr', ['-R', '-i', m]);
    spawnSync('umount', ['-l', m]);
  }
});

const disk = tmpfs('disk', '4m');
if ('why' in disk) console.warn(`disk-full tests skipped: ${disk.why}`);
else mounts.push(disk.dir);
const mnt = 'dir' in disk ? disk.dir : '';

interface Trainer {
  readonly child: ChildProcess;
  readonly err: () => string;
  readonly exit: Promise<number | null>;
}

function start(...args: string[]): Trainer {
  const child = spawn(process.execPath, ['bin/bimt.js', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return { child, err: () => err, exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
}
const train = (runs: string, name: string) => start('train', 'configs/two-moons.yaml', ...SETS, '--runs-dir', runs, '--name', name);

async function until(ready: () => boolean): Promise<void> {
  while (!ready()) await new Promise((r) => setTimeout(r, 20));
}
const states = (dir: string) => (existsSync(join(dir, 'checkpoints')) ? readdirSync(join(dir, 'checkpoints')).filter((f) => f.endsWith('.state.safetensors')).length : 0);

/** Starts a run on the tmpfs, lets it reach its first checkpoint, and stops it there (SIGSTOP). */
async function pausedRun(name: string): Promise<{ t: Trainer; dir: string }> {
  const runs = join(mnt, name);
  const t = train(runs, name);
  await until(() => states(join(runs, name)) >= 1 || t.child.exitCode !== null);
  expect(t.child.exitCode, t.err()).toBeNull();
  t.child.kill('SIGSTOP');
  return { t, dir: join(runs, name) };
}

/** The one error line (progress lines aside), checked to be a bimt error without a stack. */
function errorLine(stderr: string): string {
  expect(stderr).not.toMatch(/internal error|\n\s+at /);
  const lines = stderr.trim().split('\n').filter((l) => /^bimt: /.test(l) && !/^bimt: (backend|engine|note)/.test(l));
  expect(lines, stderr).toHaveLength(1);
  return lines[0];
}

/**
 * Every file of the run is complete: meta.json parses, metrics.csv is whole rows, no temporary
 * files, and the lock is gone (unless the disk was read-only, which leaves it stale).
 */
function expectComplete(dir: string, opts: { lockLeft?: boolean } = {}) {
  expect(() => JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'))).not.toThrow();
  const csv = readFileSync(join(dir, 'metrics.csv'), 'utf8');
  expect(csv.endsWith('\n')).toBe(true);
  for (const line of csv.trimEnd().split('\n')) expect(line.split(',')).toHaveLength(METRICS_COLUMNS.length);
  for (const sub of ['.', 'checkpoints', 'snapshots']) expect(readdirSync(join(dir, sub)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  expect(existsSync(join(dir, 'lock'))).toBe(opts.lockLeft ?? false);
}

/** Fills the file system holding `file` until a write fails with ENOSPC. */
function fillDisk(file: string): void {
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(1 << 16, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
  } finally {
    closeSync(fd);
  }
}

let whole: string;
beforeAll(() => {
  if (!mnt) return;
  const r = bimt('train', 'configs/two-moons.yaml', ...SETS, '--runs-dir', join(base, 'whole'), '--name', 'whole');
  expect(r.status, r.stderr).toBe(0);
  whole = readFileSync(join(base, 'whole', 'whole', 'metrics.csv'), 'utf8');
});

function resumesExactly(dir: string) {
  const r = bimt('train', '--resume', dir);
  expect(r.status, r.stderr).toBe(0);
  expect(readFileSync(join(dir, 'metrics.csv'), 'utf8')).toBe(whole);
  expect(JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')).status).toBe('completed');
}

describe.skipIf(!mnt)('file-system failures during training (tmpfs)', () => {
  it('a full disk: one line naming the path, complete files, and resume continues exactly once space is freed', async () => {
    const { t, dir } = await pausedRun('full');
    const filler = join(mnt, 'filler');
    try {
      fillDisk(filler);
      t.child.kill('SIGCONT');
      expect(await t.exit).toBe(1);
      expect(errorLine(t.err())).toMatch(new RegExp(`^bimt: cannot write ${dir}/\\S+: no space left on the device$`));
      expectComplete(dir);
      // meta.json could not be marked failed on the full disk either: the run reads as killed.
      expect(bimt('ls', join(mnt, 'full')).stdout).toMatch(/\nfull\s+(killed|failed)\s/);
    } finally {
      rmSync(filler, { force: true });
    }
    resumesExactly(dir);
  });

  it('a directory made immutable: the run is marked failed with the reason, and resumes exactly', async (ctx) => {
    const { t, dir } = await pausedRun('immutable');
    if (spawnSync('chattr', ['+i', join(dir, 'checkpoints')]).status !== 0) {
      t.child.kill('SIGKILL');
      ctx.skip(); // this kernel's tmpfs has no immutable flag
    }
    t.child.kill('SIGCONT');
    expect(await t.exit).toBe(1);
    const line = errorLine(t.err());
    expect(line).toMatch(new RegExp(`^bimt: cannot write ${dir}/checkpoints/step-\\d{6}(\\.state)?\\.safetensors: permission denied$`));
    expectComplete(dir);
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
    expect(meta).toMatchObject({ status: 'failed', message: line.replace(/^bimt: /, '') });
    expect(bimt('ls', join(mnt, 'immutable')).stdout).toMatch(/\nimmutable\s+failed\s/);
    expect(spawnSync('chattr', ['-i', join(dir, 'checkpoints')]).status).toBe(0);
    resumesExactly(dir);
  });

  it('a read-only file system, mid-run and on resume: one line each, and resume works once writable', async () => {
    const { t, dir } = await pausedRun('readonly');
    const ro = spawnSync('mount', ['-o', 'remount,ro', mnt], { encoding: 'utf8' });
    t.child.kill('SIGCONT');
    expect(ro.status, ro.stderr).toBe(0);
    try {
      expect(await t.exit).toBe(1);
      expect(errorLine(t.err())).toMatch(new RegExp(`^bimt: cannot write ${dir}/\\S+: read-only file system$`));
      const r = bimt('train', '--resume', dir);
      expect(r.status).toBe(1);
      expect(errorLine(r.stderr)).toBe(`bimt: cannot lock ${dir}: read-only file system`);
    } finally {
      spawnSync('mount', ['-o', 'remount,rw', mnt]);
    }
    // The lock could not be removed from a read-only disk: it is stale, and replaced on resume.
    expectComplete(dir, { lockLeft: true });
    expect(bimt('ls', join(mnt, 'readonly')).stdout).toMatch(/\nreadonly\s+killed\s/);
    resumesExactly(dir);
  });
});

describe.skipIf(!mnt)('metrics.csv on a full disk', () => {
  it('a row cut short by a full disk is taken back: the file keeps only whole rows', () => {
    const small = tmpfs('small', '8k'); // two pages: one for metrics.csv, one for a filler
    if ('why' in small) throw new Error(small.why);
    mounts.push(small.dir);
    const path = join(small.dir, 'metrics.csv');
    const writer = new MetricsWriter(path);
    writeFileSync(join(small.dir, 'filler'), Buffer.alloc(4096));
    const row = (step: number): MetricsRow => ({ step, lambda: 0.001, train_loss: 0.25, test_loss: 0.5, train_acc: 0.75, test_acc: 0.875, connection_cost: 12.5, weights_above_threshold: 100, swaps: 3 });
    const written: MetricsRow[] = [];
    let failure: unknown;
    for (let step = 0; step < 1000 && failure === undefined; step++) {
      try {
        writer.append(row(step));
        written.push(row(step));
      } catch (e) {
        failure = e;
      }
    }
    expect(failure).toBeInstanceOf(BimtError);
    expect((failure as Error).message).toBe(`cannot write ${path}: no space left on the device`);
    expect(readFileSync(path, 'utf8').endsWith('\n')).toBe(true);
    expect(readMetrics(path)).toEqual(written);
  });
});
