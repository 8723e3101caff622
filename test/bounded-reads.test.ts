// Every file bimt reads goes through src/util/files.ts (readRegularFile, or readProcFile for /proc),
// which refuses what is not a regular file of a sane size (issue 25, item 7). The source is
// searched for reads that go around it; then, through the CLI, a FIFO or a link to /dev/zero put
// where bimt reads a run's lock, a checkpoint, a training state, a config or a snapshot is refused
// in one line, where it used to wait forever on the FIFO or read until memory ran out.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBimt } from './cli-run.js';

/** The .ts files under `dir`, as paths relative to the repository root. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Node's ways of reading a file's bytes; fs/promises in any form. */
const READS = /\b(readFileSync|readFile|createReadStream|readSync|readvSync|openAsBlob)\b|['"](node:)?fs\/promises['"]/;

describe('reads of files', () => {
  it('go through src/util/files.ts and nothing else in src/', () => {
    const found: string[] = [];
    for (const file of sources('src')) {
      if (relative('src', file) === join('util', 'files.ts')) continue;
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (READS.test(line)) found.push(`${file}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(found).toEqual([]);
  });
});

const runs = mkdtempSync(join(tmpdir(), 'bimt-bounded-reads-'));
const whole = join(runs, 'whole');
const DEAD_PID = 99_999_999; // above any pid_max: no such process

/** The CLI, killed if it has not finished in a minute (each case takes a second or two): a read or walk that hangs again fails its test instead of hanging the suite. */
const bimt = (...args: string[]) => runBimt(args, {}, { killAfterMs: 60_000 });

/** A copy of the finished run in a folder of its own, cut back to what a kill after step 200 leaves (so that it resumes). */
function killedCopy(name: string): string {
  const dir = join(runs, name, 'run');
  cpSync(whole, dir, { recursive: true });
  for (const sub of ['checkpoints', 'snapshots']) {
    for (const f of readdirSync(join(dir, sub))) if (f.includes('step-000400')) rmSync(join(dir, sub, f));
  }
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
  for (const k of Object.keys(meta.checkpoints)) if (k.includes('step-000400')) delete meta.checkpoints[k];
  Object.assign(meta, { status: 'running', pid: DEAD_PID, steps_done: 200 });
  delete meta.ended;
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta, null, 2));
  return dir;
}

/** Puts a FIFO (no writer) or a link to /dev/zero at `file`, in place of what was there. */
function replace(file: string, by: 'fifo' | 'zero'): void {
  rmSync(file, { force: true });
  if (by === 'fifo') expect(spawnSync('mkfifo', [file]).status).toBe(0);
  else symlinkSync('/dev/zero', file);
}

// [case, the file replaced (relative to the run), the command (given the run's directory)]
const CASES: readonly [string, string, (dir: string) => string[]][] = [
  ["resume's lock", 'lock', (dir) => ['train', '--resume', dir]],
  ['resume on a training state', 'checkpoints/step-000200.state.safetensors', (dir) => ['train', '--resume', dir]],
  ['prune --step on a checkpoint', 'checkpoints/step-000200.safetensors', (dir) => ['prune', dir, '--step', '200']],
  ["compare's config.yaml", 'config.yaml', (dir) => ['compare', dir, join(runs, 'whole')]],
  ["compare's snapshot", 'snapshots/step-000200.json', (dir) => ['compare', dir, join(runs, 'whole')]],
  ["plot --kind curves's snapshot", 'snapshots/step-000200.json', (dir) => ['plot', dir, '--kind', 'curves', '--out', join(dir, 'curves.svg')]],
  ["eval --data's file", 'new.csv', (dir) => ['eval', dir, '--data', join(dir, 'new.csv')]],
];

describe('a FIFO or a link to /dev/zero where bimt reads a file', () => {
  beforeAll(() => {
    const r = spawnSync(process.execPath, ['bin/bimt.js', 'train', 'configs/two-moons.yaml', '--set', 'train.steps=400', '--set', 'output.eval_every=100',
      '--set', 'output.checkpoint_every=200', '--runs-dir', runs, '--name', 'whole'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });

  let n = 0;
  for (const by of ['fifo', 'zero'] as const) {
    it.each(CASES)(`${by}: %s is refused in one line`, async (_, file, command) => {
      const dir = killedCopy(`case-${n++}`);
      replace(join(dir, file), by);
      const r = await bimt(...command(dir));
      expect(r.status, 'killed after a minute: the read hangs').not.toBeNull();
      expect(r.status).not.toBe(0);
      const lines = r.stderr.trim().split('\n');
      expect(lines.at(-1)).toContain(join(dir, file));
      expect(lines.at(-1)).toMatch(/not a regular file \(a device, FIFO or socket cannot be a/);
      expect(r.stderr).not.toMatch(/^\s+at /m); // one line, no stack
    });

    it(`${by}: bimt ls lists a run whose lock is one`, async () => {
      const dir = killedCopy(`ls-${n++}`);
      replace(join(dir, 'lock'), by);
      const r = await bimt('ls', dirname(dir));
      expect(r.status, 'killed after a minute: the read hangs').not.toBeNull();
      expect(r.status, r.stderr).toBe(0);
      // A lock that cannot be checked keeps a running run running (src/runs/lock.ts liveStatus).
      expect(r.stdout).toMatch(/^run +status.*\nrun +running +two-moons +400\/400 +200 /);
    });
  }
});
