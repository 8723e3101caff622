// The local launcher against a world that changes under it: a pid in launcher.json or a point's
// record that another process now holds (after a kill -9 or a reboot), and logs/ removed or
// replaced while the sweep runs.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBimt } from './cli-run.js';
import { pointRecord } from './sweep-run.js';

const dir = mkdtempSync(join(tmpdir(), 'bimt-sweep-launcher-'));
/** Three short points, one at a time. */
const SWEEP = ['sweep', 'configs/two-moons.yaml', '--grid', 'lambda.initial=1e-3,3e-3,1e-2', '--set', 'train.steps=300', '--set', 'output.checkpoint_every=100', '--jobs', '1', '--runs-dir', dir];
const POINTS = ['p00-initial0.001', 'p01-initial0.003', 'p02-initial0.01'];

/** Resolves once `ready()` holds, polling every 50 ms (the test's timeout bounds it). */
async function until(ready: () => boolean): Promise<void> {
  while (!ready()) await new Promise((r) => setTimeout(r, 50));
}

/** An unrelated live process (a `sleep`) and a promise of the signal that ends it. */
function stranger() {
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  const ended = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, signal) => r(signal)));
  return { pid: child.pid!, alive: () => child.exitCode === null && child.signalCode === null, stop: () => (child.kill('SIGKILL'), ended) };
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

describe('the local launcher', () => {
  it('records its start time, and --cancel and --resume pass over a recorded pid that another process now holds', async () => {
    const made = await runBimt([...SWEEP, '--name', 'reused']);
    expect(made.status, made.stderr).toBe(0);
    const sweep = join(dir, 'reused');
    const launcher = readJson(join(sweep, 'launcher.json'));
    // "<boot id>:<start time>", as the run lock records its owner.
    expect(launcher.process_start).toMatch(/^[0-9a-f-]{36}:\d+$/);
    expect(pointRecord(sweep, POINTS[0]!)).toMatchObject({ process_start: expect.stringMatching(/:\d+$/) });

    // The launcher and point 0 as a kill -9 leaves them, their pid now another process's.
    const other = stranger();
    writeFileSync(join(sweep, 'launcher.json'), JSON.stringify({ ...launcher, pid: other.pid }));
    const { ended: _, steps_done: __, ...record } = readJson(join(sweep, 'points', `${POINTS[0]}.json`));
    writeFileSync(join(sweep, 'points', `${POINTS[0]}.json`), JSON.stringify({ ...record, state: 'running', pid: other.pid }));
    const cancel = await runBimt(['sweep', '--cancel', sweep]);
    expect(cancel.status).toBe(1);
    expect(cancel.stderr).toContain(`${sweep}: nothing is running this sweep (its launcher, pid ${other.pid} on `);
    const status = await runBimt(['sweep', '--status', sweep]);
    expect(status.stdout).toMatch(new RegExp(`${POINTS[0]}\\s+killed`));
    // The point is not running: --resume takes it (its run had completed, so it is recorded so).
    const resumed = await runBimt(['sweep', '--resume', sweep]);
    expect(resumed.stderr).toContain('1 point(s) to run (2 finished already)');
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(pointRecord(sweep, POINTS[0]!)).toMatchObject({ state: 'completed', attempts: 2 });

    // A launcher.json of an older bimt has no start time: its live pid is not signalled either.
    writeFileSync(join(sweep, 'launcher.json'), JSON.stringify({ kind: 'local', pid: other.pid, host: launcher.host, since: launcher.since }));
    const old = await runBimt(['sweep', '--cancel', sweep]);
    expect(old.status).toBe(1);
    expect(old.stderr).toBe(`bimt: ${sweep}: launcher.json (written by an older bimt) names pid ${other.pid} without its start time, so it may now be another process; if ps -p ${other.pid} shows bimt sweep, stop it with kill -INT ${other.pid}\n`);

    expect(other.alive()).toBe(true);
    expect(await other.stop()).toBe('SIGKILL'); // ended by this test, not by bimt
  }, 180_000);

  it('makes logs/ again when it is removed while the sweep runs, and the points after it start', async () => {
    const sweep = join(dir, 'nologs');
    const child = runBimt([...SWEEP, '--name', 'nologs']);
    await until(() => existsSync(join(sweep, 'points', `${POINTS[0]}.json`)));
    rmSync(join(sweep, 'logs'), { recursive: true, force: true });
    const r = await child;
    expect(r.stderr).not.toMatch(/ENOENT|    at /);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('3 points: 3 completed');
    for (const p of POINTS.slice(1)) expect(readFileSync(join(sweep, 'logs', `${p}.log`), 'utf8')).toMatch(/completed: /);
  }, 180_000);

  it('records a point failed, saying why, when its log cannot be written, and goes on', async () => {
    const sweep = join(dir, 'badlogs');
    const child = runBimt([...SWEEP, '--name', 'badlogs']);
    await until(() => existsSync(join(sweep, 'points', `${POINTS[0]}.json`)));
    rmSync(join(sweep, 'logs'), { recursive: true, force: true });
    writeFileSync(join(sweep, 'logs'), 'not a folder\n');
    const r = await child;
    expect(r.stderr).not.toMatch(/    at /);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('3 points: 1 completed, 2 failed');
    for (const p of POINTS.slice(1)) {
      expect(r.stderr).toContain(`${p}: failed: cannot write its log ${join(sweep, 'logs', `${p}.log`)}: `);
      expect(pointRecord(sweep, p)).toMatchObject({ state: 'failed', message: expect.stringContaining('cannot write its log') });
    }
  }, 180_000);
});
