// `bimt ls` and `bimt compare` walk a directory of runs by real path (issue 25, item 8): links to
// `.` or to a parent once made one run and 40 links give 65,641 rows and no answer; a run reached
// through several paths is listed once. Through the CLI.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBimt } from './cli-run.js';

const runs = mkdtempSync(join(tmpdir(), 'bimt-run-walk-'));

/** The CLI, killed if it has not finished in a minute (each case takes a second or two): a read or walk that hangs again fails its test instead of hanging the suite. */
const bimt = (...args: string[]) => runBimt(args, {}, { killAfterMs: 60_000 });

describe('a directory of runs with symbolic-link loops', () => {
  beforeAll(() => {
    const r = spawnSync(process.execPath, ['bin/bimt.js', 'train', 'configs/two-moons.yaml', '--set', 'train.steps=20', '--set', 'lambda.changes=[]',
      '--set', 'output.checkpoint_every=10', '--runs-dir', join(runs, 'sub'), '--name', 'r'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    // 40 links to the directory itself, one to its parent from inside, and one more path to the run.
    for (let i = 0; i < 40; i++) symlinkSync('.', join(runs, `loop-${String(i).padStart(2, '0')}`));
    symlinkSync('..', join(runs, 'sub', 'up'));
    mkdirSync(join(runs, 'sub', 'empty'));
    symlinkSync(join(runs, 'sub', 'r'), join(runs, 'sub', 'z-alias'));
  });

  it('bimt ls lists the run once', async () => {
    const r = await bimt('ls', runs);
    expect(r.status, 'killed after a minute').not.toBeNull();
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^sub\/r +completed +two-moons +20\/20 /);
  });

  it('bimt compare takes the run once, from the directory and from a second path to it', async () => {
    const r = await bimt('compare', runs, '--csv');
    expect(r.status, 'killed after a minute').not.toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trimEnd().split('\n').map((l) => l.split(',')[0])).toEqual(['run', 'sub/r']);
    const twice = await bimt('compare', join(runs, 'sub', 'r'), join(runs, 'sub', 'z-alias'), '--csv');
    expect(twice.status, twice.stderr).toBe(0);
    expect(twice.stdout.trimEnd().split('\n').map((l) => l.split(',')[0])).toEqual(['run', join(runs, 'sub', 'r')]);
  });
});
