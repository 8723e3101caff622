// Progress lines, the time left, and the lines `bimt train` ends with.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MetricsRow } from '../src/runs/metrics.js';
import { createProgress, duration, etaTracker } from '../src/train/progress.js';
import { explosionWarning, summaryLines } from '../src/train/run-summary.js';

const row = (step: number, loss = 0.5): MetricsRow => ({
  step, lambda: 0.01, train_loss: loss, test_loss: loss, train_acc: 0.9, test_acc: 0.9, connection_cost: 3, weights_above_threshold: 10, swaps: 0,
});

/** A fake clock advanced by hand, and a plain (non-terminal) stream that keeps what is written. */
function fakes() {
  let now = 0;
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
  return { clock: () => now, tick: (ms: number) => (now += ms), lines, stream };
}

describe('time left', () => {
  it("is this process's pace times the steps left, timed from the first step seen", () => {
    const f = fakes();
    const eta = etaTracker(2000, f.clock);
    f.tick(60_000); // set-up before the first step does not count
    expect(eta(1000)).toBe('...'); // a resumed run: the first 1000 steps were done before
    f.tick(10_000);
    expect(eta(1100)).toBe('1m30s'); // 100 steps in 10 s, 900 left
    f.tick(10_000);
    expect(eta(1200)).toBe('1m20s');
    expect(eta(2000)).toBe('0s');
  });

  it('does not jump with one slow step', () => {
    const f = fakes();
    const eta = etaTracker(10_000, f.clock);
    eta(0);
    for (let s = 1; s <= 1000; s++) {
      f.tick(s === 500 ? 2000 : 10); // one relocation-sized hiccup
      eta(s);
    }
    // 1000 steps in 11.99 s: 9000 left at the average pace, not at the last step's.
    expect(eta(1000)).toBe(duration((9000 * 11.99) / 1000));
  });

  it('reads in hours, minutes and seconds', () => {
    expect(duration(45)).toBe('45s');
    expect(duration(725)).toBe('12m05s');
    expect(duration(3 * 3600 + 7 * 60 + 30)).toBe('3h07m');
  });
});

describe('plain progress lines', () => {
  it("name the metrics row's own step, not the current one", () => {
    const f = fakes();
    const p = createProgress(1000, f.stream, 0, f.clock);
    for (let s = 1; s <= 150; s++) {
      f.tick(10);
      p.update(s, row(Math.floor(s / 100) * 100));
    }
    expect(f.lines[0]).toMatch(/^step 100\/1000, eta 9s \| at step 100: loss 0\.5000 test loss 0\.5000 test acc 90\.0% cost /);
    expect(f.lines).toHaveLength(1);
  });
});

describe('end of run', () => {
  it('an interrupted run names the step it stopped and checkpointed at, and the last row by its step', () => {
    const lines = summaryLines({ root: '/r', status: 'interrupted', stepsDone: 437, totalSteps: 1500 }, row(400));
    expect(lines[0]).toBe('interrupted: /r');
    expect(lines[1]).toMatch(/^ {2}stopped at step 437 of 1500 \(checkpoint saved\); last metrics, at step 400: loss/);
  });

  it('warns when the loss exploded without becoming NaN', () => {
    expect(explosionWarning([row(0, 0.7), row(100, 0.3)])).toBeUndefined();
    expect(explosionWarning([row(0, 0.7), row(100, NaN)])).toBeUndefined(); // diverged, said elsewhere
    expect(explosionWarning([row(0, 0.7), row(100, 1e38)])).toMatch(/train_loss grew from 0\.7000 at step 0 to 1\.00e\+38 at step 100/);
  });

  it('bimt train prints the warning for a run with lr=1e6', () => {
    const runs = mkdtempSync(join(tmpdir(), 'bimt-progress-'));
    const r = spawnSync(process.execPath, ['bin/bimt.js', 'train', 'configs/two-moons.yaml', '--set', 'train.lr=1e6', '--set', 'train.steps=200',
      '--set', 'lambda.changes=[]', '--runs-dir', runs, '--name', 'boom'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^completed: /);
    expect(r.stderr).toMatch(/bimt: warning: (train|test)_loss grew from .* at step 0 to .* at step 200: the training exploded/);
  });
});

/** util-linux's script(1), which runs a command on a pseudo-terminal, or undefined where there is none. */
const script = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return 'script';
  } catch {
    return undefined;
  }
})();

describe('the progress bar on a terminal', () => {
  const name = 'is drawn below the engine line, not with it on its end, and names the test accuracy as such';
  if (!script) {
    it.skip(`${name}: skipped, util-linux's script(1) is not installed`, () => {});
    return;
  }
  it(name, () => {
    const runs = mkdtempSync(join(tmpdir(), 'bimt-progress-tty-'));
    const argv = [process.execPath, 'bin/bimt.js', 'train', 'configs/two-moons.yaml', '--set', 'train.steps=300', '--set', 'lambda.changes=[]', '--runs-dir', runs, '--name', 'tty'];
    const command = argv.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
    // script copies what the command wrote to its terminal (stdout and stderr alike) to our stdout.
    const r = spawnSync(script, ['-qec', command, '/dev/null'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const lines = r.stdout.split(/\r?\n/);
    const engine = lines.findIndex((l) => l.includes('bimt: engine '));
    expect(engine, r.stdout).toBeGreaterThan(0);
    expect(lines[engine]).toMatch(/^bimt: engine host /);
    expect(lines.slice(0, engine).join('\n')).not.toContain('training [');
    const bar = lines.find((l) => l.includes('training ['));
    expect(bar).toMatch(/\| at step \d+: loss \S+ test loss \S+ test acc \d+\.\d% cost /);
  });
});
