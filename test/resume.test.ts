// Interruption and resume through the real CLI: SIGINT and SIGKILL mid-run, then --resume, must
// give byte for byte the metrics.csv of an uninterrupted run.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const args = (runs: string, name: string) => [
  'bin/bimt.js', 'train', 'configs/two-moons.yaml',
  '--set', 'train.steps=1500', '--set', 'lambda.changes.0.at=700', '--set', 'output.eval_every=50',
  '--set', 'output.checkpoint_every=200', '--runs-dir', runs, '--name', name,
];
const bimt = (...a: string[]) => spawnSync(process.execPath, ['bin/bimt.js', ...a], { encoding: 'utf8' });

/** Starts a run and sends `signal` once `ready(runDir)` holds; resolves with the exit code. */
function interrupted(runs: string, name: string, signal: NodeJS.Signals, ready: (dir: string) => boolean): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args(runs, name), { stdio: 'ignore' });
    const timer = setInterval(() => {
      if (ready(join(runs, name))) {
        clearInterval(timer);
        child.kill(signal);
      }
    }, 20);
    child.on('exit', (code, sig) => {
      clearInterval(timer);
      resolve(code ?? (sig === 'SIGKILL' ? 137 : null));
    });
  });
}

const rowsOf = (dir: string) => (existsSync(join(dir, 'metrics.csv')) ? readFileSync(join(dir, 'metrics.csv'), 'utf8').split('\n').length - 2 : 0);
const states = (dir: string) => (existsSync(join(dir, 'checkpoints')) ? readdirSync(join(dir, 'checkpoints')).filter((f) => f.endsWith('.state.safetensors')).length : 0);

describe('interrupt and resume', () => {
  const runs = mkdtempSync(join(tmpdir(), 'bimt-resume-'));

  it('SIGINT checkpoints, marks the run interrupted, exits 130; --resume completes it identically', async () => {
    expect(spawnSync(process.execPath, args(runs, 'whole')).status).toBe(0);
    const whole = readFileSync(join(runs, 'whole', 'metrics.csv'), 'utf8');

    const code = await interrupted(runs, 'int', 'SIGINT', (d) => rowsOf(d) >= 9);
    expect(code).toBe(130);
    const meta = JSON.parse(readFileSync(join(runs, 'int', 'meta.json'), 'utf8'));
    expect(meta.status).toBe('interrupted');
    expect(meta.steps_done).toBeLessThan(1500);
    expect(existsSync(join(runs, 'int', 'checkpoints', `step-${String(meta.steps_done).padStart(6, '0')}.state.safetensors`))).toBe(true);

    const r = bimt('train', '--resume', join(runs, 'int'));
    expect(r.status).toBe(0);
    expect(readFileSync(join(runs, 'int', 'metrics.csv'), 'utf8')).toBe(whole);
    expect(JSON.parse(readFileSync(join(runs, 'int', 'meta.json'), 'utf8')).status).toBe('completed');
  });

  it('after SIGKILL every file is whole, and --resume completes the run identically', async () => {
    const whole = readFileSync(join(runs, 'whole', 'metrics.csv'), 'utf8');
    const code = await interrupted(runs, 'kill', 'SIGKILL', (d) => states(d) >= 2);
    expect(code).toBe(137);
    const dir = join(runs, 'kill');
    // No temporary files left visible as run files, meta.json parses, metrics rows are whole.
    expect(() => JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'))).not.toThrow();
    const partial = readFileSync(join(dir, 'metrics.csv'), 'utf8');
    expect(whole.startsWith(partial.slice(0, partial.lastIndexOf('\n') + 1))).toBe(true);
    const ls = bimt('ls', runs);
    expect(ls.stdout).toMatch(/kill\s+killed\s+two-moons/);

    const r = bimt('train', '--resume', dir);
    expect(r.status).toBe(0);
    expect(readFileSync(join(dir, 'metrics.csv'), 'utf8')).toBe(whole);
  });

  it('refuses to resume a complete run or a directory that is not a run', () => {
    const done = bimt('train', '--resume', join(runs, 'whole'));
    expect(done.status).toBe(2);
    expect(done.stderr).toContain('the run is already complete');
    const notRun = bimt('train', '--resume', runs);
    expect(notRun.status).toBe(2);
    expect(notRun.stderr).toContain('not a bimt run directory');
  });

  it('stops a diverging run, marks it diverged and keeps only finite checkpoints', () => {
    const r = bimt('train', 'configs/two-moons.yaml', '--set', 'train.lr=1e30', '--set', 'train.steps=300', '--set', 'lambda.changes=[]', '--runs-dir', runs, '--name', 'div');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('training diverged');
    const meta = JSON.parse(readFileSync(join(runs, 'div', 'meta.json'), 'utf8'));
    expect(meta.status).toBe('diverged');
    // Only the step-0 checkpoint (the initialisation) was finite.
    expect(Object.keys(meta.checkpoints).sort()).toEqual(['step-000000.safetensors', 'step-000000.state.safetensors']);
  });
});
