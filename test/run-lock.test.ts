// One writer per run, through the real CLI: a resume while the run trains, or two resumes at once,
// must refuse the second writer in one line and leave the run intact (the same metrics.csv as an
// uninterrupted run, every checkpoint in meta.json). A writer is held still with SIGSTOP while the
// other is tried, so nothing depends on timing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const SETS = ['--set', 'train.steps=1500', '--set', 'lambda.changes.0.at=700', '--set', 'output.eval_every=50', '--set', 'output.checkpoint_every=200'];
const bimt = (...a: string[]) => spawnSync(process.execPath, ['bin/bimt.js', ...a], { encoding: 'utf8' });
const start = (...a: string[]) => spawn(process.execPath, ['bin/bimt.js', ...a], { stdio: ['ignore', 'pipe', 'pipe'] });
const train = (runs: string, name: string) => start('train', 'configs/two-moons.yaml', ...SETS, '--runs-dir', runs, '--name', name);

/** Resolves once `ready()` holds (polled); the test's own timeout bounds the wait. */
async function until(ready: () => boolean): Promise<void> {
  while (!ready()) await new Promise((r) => setTimeout(r, 20));
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });
}

/** Everything the child writes to stderr so far. */
function stderrOf(child: ChildProcess): () => string {
  let text = '';
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  child.stdout!.resume();
  return () => text;
}

/** The last line of stderr, after checking it is the only error line and has no stack trace. */
function refusal(r: ReturnType<typeof bimt>): string {
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('bimt: backend'));
  expect(lines).toHaveLength(1);
  return lines[0];
}

const states = (dir: string) => (existsSync(join(dir, 'checkpoints')) ? readdirSync(join(dir, 'checkpoints')).filter((f) => f.endsWith('.state.safetensors')).length : 0);
const metaOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
const lockOf = (dir: string) => join(dir, 'lock');

/**
 * The run is whole: the metrics of an uninterrupted run, every checkpoint meta.json lists is there,
 * and (unless a kill -9 fell between a checkpoint's files and meta.json's line for them) every
 * checkpoint file is listed.
 */
function expectIntact(dir: string, whole: string, opts: { killed: boolean }) {
  expect(readFileSync(join(dir, 'metrics.csv'), 'utf8')).toBe(whole);
  const meta = metaOf(dir);
  expect(meta.status).toBe('completed');
  const onDisk = readdirSync(join(dir, 'checkpoints')).filter((f) => !f.startsWith('.')).sort();
  const listed = Object.keys(meta.checkpoints).sort();
  if (opts.killed) {
    expect(onDisk).toEqual(expect.arrayContaining(listed));
    expect(listed).toEqual(expect.arrayContaining(['step-001500.safetensors', 'step-001500.state.safetensors']));
  } else {
    expect(listed).toEqual(onDisk);
  }
  expect(existsSync(lockOf(dir))).toBe(false);
}

describe('run lock', () => {
  const runs = mkdtempSync(join(tmpdir(), 'bimt-lock-'));
  let whole: string;

  beforeAll(() => {
    const r = spawnSync(process.execPath, ['bin/bimt.js', 'train', 'configs/two-moons.yaml', ...SETS, '--runs-dir', runs, '--name', 'whole']);
    expect(r.status).toBe(0);
    whole = readFileSync(join(runs, 'whole', 'metrics.csv'), 'utf8');
    expect(existsSync(lockOf(join(runs, 'whole')))).toBe(false);
  });

  /** A run killed with SIGKILL after its first checkpoint: a stale lock, meta.json `running`. */
  async function killedRun(name: string): Promise<string> {
    const dir = join(runs, name);
    const child = train(runs, name);
    child.stdout!.resume();
    child.stderr!.resume();
    await until(() => states(dir) >= 1);
    child.kill('SIGKILL');
    await exitOf(child);
    return dir;
  }

  it('refuses a resume while the run is still training, and ls shows it running; the run ends intact', async () => {
    const dir = join(runs, 'live');
    const child = train(runs, 'live');
    stderrOf(child);
    await until(() => states(dir) >= 1);
    child.kill('SIGSTOP');
    try {
      const r = bimt('train', '--resume', dir);
      expect(r.status).toBe(1);
      expect(refusal(r)).toMatch(new RegExp(`^bimt: .*live: in use by another bimt \\(pid ${child.pid}, since .*\\); wait for it to finish or stop it with kill -INT ${child.pid}$`));
      // Refused before any backend was loaded: a second writer is turned away at once.
      expect(r.stderr).not.toMatch(/^bimt: backend /m);
      expect(bimt('ls', runs).stdout).toMatch(/\nlive\s+running\s+two-moons/);
    } finally {
      child.kill('SIGCONT');
    }
    expect(await exitOf(child)).toBe(0);
    expectIntact(dir, whole, { killed: false });
  });

  it('of two resumes at once, the second is refused and the run ends intact', async () => {
    const dir = await killedRun('two');
    expect(bimt('ls', runs).stdout).toMatch(/\ntwo\s+killed\s+two-moons/);
    const first = start('train', '--resume', dir);
    const firstErr = stderrOf(first);
    await until(() => firstErr().includes('bimt: engine'));
    first.kill('SIGSTOP');
    try {
      const second = bimt('train', '--resume', dir);
      expect(second.status).toBe(1);
      expect(refusal(second)).toMatch(new RegExp(`two: in use by another bimt \\(pid ${first.pid},`));
    } finally {
      first.kill('SIGCONT');
    }
    expect(await exitOf(first)).toBe(0);
    // The killed trainer's lock was stale: reported, replaced.
    expect(firstErr()).toMatch(/bimt: note: replaced the stale lock of .*two \(process \d+ is gone\)/);
    expectIntact(dir, whole, { killed: true });
  });

  it('replaces a lock whose pid now belongs to another process, and ls calls that run killed', async () => {
    const dir = await killedRun('reused');
    // The pid of a live process (this test's), but not the process that took the lock.
    const lock = { pid: process.pid, host: hostname(), process_start: 'another-boot:1', token: 'abc', since: '2026-01-01T00:00:00.000Z' };
    writeFileSync(lockOf(dir), JSON.stringify(lock));
    expect(bimt('ls', runs).stdout).toMatch(/\nreused\s+killed\s+two-moons/);
    const r = bimt('train', '--resume', dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`(process ${process.pid} is gone; its pid now belongs to another process)`);
    expectIntact(dir, whole, { killed: true });
  });

  it('refuses a lock held on another host, saying how to remove it, and leaves the run as it was', async () => {
    const dir = await killedRun('elsewhere');
    const lock = { pid: 4242, host: 'another-host', process_start: null, token: 'abc', since: '2026-01-01T00:00:00.000Z' };
    writeFileSync(lockOf(dir), JSON.stringify(lock));
    const metrics = readFileSync(join(dir, 'metrics.csv'), 'utf8');
    expect(bimt('ls', runs).stdout).toMatch(/\nelsewhere\s+running\s+two-moons/);
    const r = bimt('train', '--resume', dir);
    expect(r.status).toBe(1);
    expect(refusal(r)).toBe(
      `bimt: ${dir}: locked, and the lock is held by pid 4242 on host another-host, which cannot be checked from here; if no bimt is writing this run, remove ${lockOf(dir)}`,
    );
    expect(readFileSync(join(dir, 'metrics.csv'), 'utf8')).toBe(metrics);
    expect(metaOf(dir).status).toBe('running');
  });

  it('leaves no lock behind when a run diverges or is interrupted', async () => {
    const div = bimt('train', 'configs/two-moons.yaml', '--set', 'train.lr=1e30', '--set', 'train.steps=300', '--set', 'lambda.changes=[]', '--runs-dir', runs, '--name', 'div');
    expect(div.status).toBe(1);
    expect(metaOf(join(runs, 'div')).status).toBe('diverged');
    expect(existsSync(lockOf(join(runs, 'div')))).toBe(false);

    const dir = join(runs, 'int');
    const child = train(runs, 'int');
    stderrOf(child);
    await until(() => states(dir) >= 1);
    child.kill('SIGINT');
    expect(await exitOf(child)).toBe(130);
    expect(metaOf(dir).status).toBe('interrupted');
    expect(existsSync(lockOf(dir))).toBe(false);
  });
});
