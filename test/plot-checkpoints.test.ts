/**
 * `bimt plot` of a chosen checkpoint, as a user runs it (the compiled CLI in a subprocess): the
 * curves mark the step of --step or of a checkpoint file, a pruned checkpoint can be drawn without
 * replacing the picture of the run's own checkpoint, and --animate draws every weight unless
 * --pruned asks for each frame pruned (into animation-pruned.svg, beside animation.svg).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const bimt = (...args: string[]) => spawnSync(process.execPath, ['bin/bimt.js', ...args], { encoding: 'utf8' });

/** <line> elements: weights in the network pictures, phase and grid lines in the curves. */
const lineCount = (svg: string) => svg.match(/<line\b/g)?.length ?? 0;

describe('bimt plot of a chosen checkpoint (command line)', () => {
  const runs = mkdtempSync(join(tmpdir(), 'bimt-plot-ck-'));
  const run = join(runs, 'r');
  const plots = join(run, 'plots');

  beforeAll(() => {
    // A prune threshold far above the usual 0.01, so that pruning visibly removes weights after
    // only 300 steps.
    const r = bimt(
      'train', 'configs/two-moons.yaml',
      '--set', 'train.steps=300', '--set', 'lambda.changes=[]', '--set', 'output.checkpoint_every=100',
      '--set', 'output.prune_threshold=0.3',
      '--runs-dir', runs, '--name', 'r',
    );
    expect(r.status, r.stderr).toBe(0);
  });

  it('marks the step of --step on the curves, in a file named for it', () => {
    const r = bimt('plot', run, '--kind', 'curves', '--step', '200');
    expect(r.status, r.stderr).toBe(0);
    const marked = join(plots, 'curves-step-000200.svg');
    expect(r.stdout.trim()).toBe(`wrote ${marked}`);
    expect(readFileSync(marked, 'utf8')).toContain('this checkpoint: step 200');

    const whole = bimt('plot', run, '--kind', 'curves');
    expect(whole.status, whole.stderr).toBe(0);
    expect(readFileSync(join(plots, 'curves.svg'), 'utf8')).not.toContain('this checkpoint');
  });

  it('marks the step of a checkpoint file given directly', () => {
    const r = bimt('plot', join(run, 'checkpoints', 'step-000100.safetensors'), '--kind', 'curves');
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(plots, 'curves-step-000100.svg'), 'utf8')).toContain('this checkpoint: step 100');
  });

  it('draws a pruned checkpoint beside, not over, the picture of the run checkpoint', () => {
    const p = bimt('prune', run);
    expect(p.status, p.stderr).toBe(0);
    const r = bimt('plot', join(run, 'pruned', 'step-000300-t0.3', 'checkpoint.safetensors'), '--kind', 'network');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`wrote ${join(plots, 'network-step-000300-t0.3.svg')}`);
    expect(existsSync(join(plots, 'network-step-000300.svg'))).toBe(false);

    const whole = bimt('plot', run, '--kind', 'network');
    expect(whole.status, whole.stderr).toBe(0);
    const [pruned, trained] = ['network-step-000300-t0.3.svg', 'network-step-000300.svg'].map((f) => readFileSync(join(plots, f), 'utf8'));
    expect(lineCount(pruned)).toBeLessThan(lineCount(trained));
  });

  it('animates every weight, or with --pruned each frame pruned', () => {
    const [all, pruned, atThreshold] = ['all.svg', 'pruned.svg', 'threshold.svg'].map((f) => join(runs, f));
    for (const [out, ...flags] of [[all], [pruned, '--pruned'], [atThreshold, '--threshold', '0.3']]) {
      const r = bimt('plot', run, '--animate', '--out', out, ...flags);
      expect(r.status, r.stderr).toBe(0);
    }
    const [a, p, t] = [all, pruned, atThreshold].map((f) => readFileSync(f, 'utf8'));
    expect(lineCount(p)).toBeLessThan(lineCount(a));
    // --threshold implies --pruned; here it is the run's own prune threshold.
    expect(t).toBe(p);
  });

  it('writes the pruned animation beside the whole one, as the still pictures (issue 25, item 18)', () => {
    const whole = bimt('plot', run, '--animate');
    expect(whole.status, whole.stderr).toBe(0);
    expect(whole.stdout.trim()).toBe(`wrote ${join(plots, 'animation.svg')}`);
    const pruned = bimt('plot', run, '--animate', '--pruned');
    expect(pruned.status, pruned.stderr).toBe(0);
    expect(pruned.stdout.trim()).toBe(`wrote ${join(plots, 'animation-pruned.svg')}`);
    // The first is still the whole network's: every weight, more lines than the pruned frames.
    const [a, p] = ['animation.svg', 'animation-pruned.svg'].map((f) => readFileSync(join(plots, f), 'utf8'));
    expect(lineCount(p)).toBeLessThan(lineCount(a));
  });
});
