// The transformer resumes exactly: a SIGINT mid-run (after swaps, with batches drawn with
// replacement), then --resume, gives byte for byte the metrics.csv and final checkpoint of an
// uninterrupted run.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const args = (runs: string, name: string) => [
  'bin/bimt.js', 'train', 'configs/in-context.yaml',
  '--set', 'train.steps=900', '--set', 'output.eval_every=100', '--set', 'output.checkpoint_every=300',
  '--runs-dir', runs, '--name', name,
];

describe('transformer interrupt and resume', () => {
  it('SIGINT after some rows, then --resume, matches the uninterrupted run', async () => {
    const runs = mkdtempSync(join(tmpdir(), 'bimt-resume-transformer-'));
    expect(spawnSync(process.execPath, args(runs, 'whole')).status).toBe(0);
    const rows = (dir: string) => (existsSync(join(dir, 'metrics.csv')) ? readFileSync(join(dir, 'metrics.csv'), 'utf8').split('\n').length - 2 : 0);
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, args(runs, 'cut'), { stdio: 'ignore' });
      // Past the first checkpoint after step 0 and several swaps (every 200 steps).
      const timer = setInterval(() => rows(join(runs, 'cut')) >= 4 && (clearInterval(timer), child.kill('SIGINT')), 20);
      child.on('exit', (c) => (clearInterval(timer), resolve(c)));
    });
    expect(code).toBe(130);
    const resumed = spawnSync(process.execPath, ['bin/bimt.js', 'train', '--resume', join(runs, 'cut')], { encoding: 'utf8' });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(readFileSync(join(runs, 'cut', 'metrics.csv'), 'utf8')).toBe(readFileSync(join(runs, 'whole', 'metrics.csv'), 'utf8'));
    const last = 'checkpoints/step-000900.safetensors';
    expect(readFileSync(join(runs, 'cut', last)).equals(readFileSync(join(runs, 'whole', last)))).toBe(true);
  }, 120_000);
});
