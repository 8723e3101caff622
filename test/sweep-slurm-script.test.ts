// The Slurm launcher's batch script (slurm/job.sh), without Slurm: with no sbatch on PATH, bimt
// writes the script and then says sbatch is missing, and the script is run here by sh as an array
// task would be. A runs directory full of shell syntax is data in it (nothing of it runs), and one
// with a line break, which would end the script's comment and put a command of its own on the next
// line, is refused in one line (test/sweep-slurm.test.ts runs the launcher on a real cluster).
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBimt, runCommand } from './cli-run.js';
import { pointRecord } from './sweep-run.js';

const tmp = mkdtempSync(join(tmpdir(), 'bimt-slurm-script-'));
/** A PATH with no sbatch (nor anything else): bimt stops after writing the script. */
const noSlurm = { PATH: join(tmp, 'empty-bin') };
mkdirSync(noSlurm.PATH);
const SWEEP = ['sweep', 'configs/two-moons.yaml', '--grid', 'lambda.initial=1e-3,1e-2', '--set', 'train.steps=100', '--set', 'output.checkpoint_every=100', '--launcher', 'slurm'];

/** Runs `command` with `args` in `cwd` and resolves when it exits. */
const run = (command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}) => runCommand(command, args, { cwd, env });

/** Commands a runs directory might smuggle in; each would leave a file ran-<n> in the directory it runs in. */
const SMUGGLED = ['ran-1', 'ran-2', 'ran-3', 'ran-4'];

describe("the Slurm launcher's job script", () => {
  it('carries a runs directory of quotes, $(...), backquotes and ; as data: the script runs its point and nothing else', async () => {
    const work = mkdtempSync(join(tmp, 'work-'));
    const runs = join(tmp, `it's "odd" $(touch ran-1) \`touch ran-2\` ; touch ran-3 ; \$HOME \\ %j`);
    const made = await runBimt([...SWEEP, '--runs-dir', runs, '--name', 's'], noSlurm);
    expect(made.stderr).toContain('sbatch not found');
    expect(made.status).toBe(1);
    const sweep = join(runs, 's');
    const script = join(sweep, 'slurm', 'job.sh');
    expect((await run('sh', ['-n', script], work)).status).toBe(0);
    expect((await run('bash', ['-n', script], work)).status).toBe(0);
    // The comment names the sweep as one quoted word.
    expect(readFileSync(script, 'utf8').split('\n')[1]).toBe(`# bimt sweep '${sweep.replace(/'/g, `'\\''`)}': array task N runs point N (sweep.yaml; bimt sweep --status lists them).`);

    // Array task 1 as Slurm would start it: point 1 trains, its log is where the sweep keeps it.
    const task = await run('sh', [script], work, { SLURM_ARRAY_JOB_ID: '42', SLURM_ARRAY_TASK_ID: '1' });
    expect(task.status, task.stderr).toBe(0);
    expect(pointRecord(sweep, 'p01-initial0.01')).toMatchObject({ state: 'completed', slurm: { job: '42', task: 1 } });
    expect(readFileSync(join(sweep, 'logs', 'p01-initial0.01.log'), 'utf8')).toMatch(/=== \S+ Slurm job 42_1 on /);
    // A task id that is no point is refused by the script.
    const stray = await run('sh', [script], work, { SLURM_ARRAY_JOB_ID: '42', SLURM_ARRAY_TASK_ID: '7' });
    expect(stray.status).toBe(2);
    expect(stray.stderr).toBe('bimt: array task 7 is not a point of this sweep\n');
    // Nothing smuggled ran, here or in the repository.
    expect(readdirSync(work)).toEqual([]);
    for (const f of SMUGGLED) expect(existsSync(f)).toBe(false);
  }, 120_000);

  it('refuses a runs directory with a line break in one line, before anything is made', async () => {
    const work = mkdtempSync(join(tmp, 'work-'));
    const runs = join(work, 'x\ntouch ran-4\n#');
    const r = await runBimt([...SWEEP, '--runs-dir', runs, '--name', 's'], noSlurm);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`bimt: --runs-dir holds a line break, which a Slurm job script cannot carry safely: ${JSON.stringify(runs)}; use a path without one\n`);
    expect(readdirSync(work)).toEqual([]);
  }, 60_000);

  it('refuses to write the script of a sweep moved to a path with a line break (--resume)', async () => {
    const work = mkdtempSync(join(tmp, 'work-'));
    const made = await runBimt([...SWEEP, '--runs-dir', join(work, 'plain'), '--name', 's'], noSlurm);
    expect(made.status, made.stderr).toBe(1);
    const script = join(work, 'plain', 's', 'slurm', 'job.sh');
    const before = readFileSync(script, 'utf8');
    const moved = join(work, 'a\ntouch ran-4\n#');
    renameSync(join(work, 'plain'), moved);
    const r = await runBimt(['sweep', '--resume', join(moved, 's')], noSlurm);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/\nbimt: the sweep directory holds a line break, which a Slurm job script cannot carry safely: ".*\\ntouch ran-4\\n#\/s"; use a path without one\n$/);
    // The old script is left as it was.
    expect(readFileSync(join(moved, 's', 'slurm', 'job.sh'), 'utf8')).toBe(before);
  }, 60_000);
});
