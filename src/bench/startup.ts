/**
 * How long the CLI takes to get going, measured on child processes as a user meets it: the wall
 * time of `bimt --help`, and the time from process start to the end of the first training step of
 * `bimt train configs/two-moons.yaml` (the run records it as meta.json's first_step_ms). Each the
 * minimum of a few runs: other work on the machine only ever adds time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRunDir, readMeta } from '../runs/run-dir.js';
import { packagePath } from '../util/package-files.js';

const BIMT = packagePath('bin/bimt.js');

export interface StartupTimes {
  /** Wall milliseconds of `bimt --help`. */
  readonly helpMs: number;
  /** Milliseconds from process start to the first step's end of the two-moons run. */
  readonly firstStepMs: number;
  readonly config: string;
}

/** `config` is a path inside the bimt folder, as the table names it. */
export function measureStartup(config = 'configs/two-moons.yaml', reps = 3): StartupTimes {
  const help: number[] = [];
  for (let i = 0; i < 2 * reps; i++) {
    const t = performance.now();
    run(['--help']);
    help.push(performance.now() - t);
  }
  const runs = mkdtempSync(join(tmpdir(), 'bimt-bench-startup-'));
  const firstStep: number[] = [];
  try {
    for (let i = 0; i < reps; i++) {
      // The first step is all that is measured: one step of the run is enough.
      run(['train', packagePath(config), '--set', 'train.steps=1', '--set', 'lambda.changes=[]', '--runs-dir', runs, '--name', `run-${i}`]);
      const ms = readMeta(openRunDir(join(runs, `run-${i}`))).first_step_ms;
      if (ms === undefined) throw new Error(`${config}: the run recorded no first_step_ms`);
      firstStep.push(ms);
    }
  } finally {
    rmSync(runs, { recursive: true, force: true });
  }
  return { helpMs: Math.min(...help), firstStepMs: Math.min(...firstStep), config };
}

function run(args: string[]): void {
  const r = spawnSync(process.execPath, [BIMT, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bimt ${args.join(' ')} exited with ${r.status}: ${r.stderr.trim()}`);
}
