/**
 * A 32-point sweep of two-moons (four lambdas x seeds 0-7, the config's full schedule) as
 * `bimt sweep` runs it with the local launcher, against the same 32 runs as 32 `bimt train`
 * commands one after another: what running points side by side saves on this machine's cores.
 * Both include every process's start-up, as a user meets it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../util/package-files.js';

const BIMT = packagePath('bin/bimt.js');
const CONFIG = packagePath('configs/two-moons.yaml');
const LAMBDAS = [1e-4, 3e-4, 1e-3, 3e-3];
const SEEDS = 8;

export interface SweepTimes {
  readonly points: number;
  readonly jobs: number;
  /** Wall seconds of the 32 `bimt train` commands in turn. */
  readonly sequentialSeconds: number;
  /** Wall seconds of the `bimt sweep` command. */
  readonly sweepSeconds: number;
}

export function measureSweep(): SweepTimes {
  const dir = mkdtempSync(join(tmpdir(), 'bimt-bench-sweep-'));
  const jobs = availableParallelism();
  try {
    let t = performance.now();
    for (const lambda of LAMBDAS) {
      for (let seed = 0; seed < SEEDS; seed++) {
        run(['train', CONFIG, '--set', `lambda.initial=${lambda}`, '--set', `seed=${seed}`, '--runs-dir', dir, '--name', `one-${lambda}-${seed}`]);
      }
    }
    const sequentialSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    run(['sweep', CONFIG, '--grid', `lambda.initial=${LAMBDAS.join(',')}`, '--seeds', `0..${SEEDS - 1}`, '--jobs', String(jobs), '--runs-dir', dir, '--name', 'sweep']);
    const sweepSeconds = (performance.now() - t) / 1000;
    return { points: LAMBDAS.length * SEEDS, jobs, sequentialSeconds, sweepSeconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(args: string[]): void {
  const r = spawnSync(process.execPath, [BIMT, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`bimt ${args.slice(0, 2).join(' ')} exited with ${r.status}: ${r.stderr.trim().split('\n').at(-1)}`);
}
