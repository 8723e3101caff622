// bimt sweep --launcher slurm on a real one-node Slurm cluster (scripts/slurm/cluster.sh: Debian's
// slurmctld, slurmd and munge, started here and stopped by their process ids). The points run as
// array tasks (the 12-point two-moons sweep) and end with exactly the metrics the local
// launcher gives, which compare tabulates and plots; --cancel stops the job
// with each running point checkpointed, and --resume finishes them.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBimt } from './cli-run.js';
import { metricsOf, pointRecord } from './sweep-run.js';

const installed = ['slurmctld', 'slurmd', 'sbatch', 'munged'].every((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0);
const root = process.getuid?.() === 0;
const why = !installed ? "Slurm's packages are not installed (.ci/run installs slurmctld, slurmd, slurm-client and munge)" : 'the cluster script runs its daemons as root';

describe.skipIf(!installed || !root)('a Slurm sweep', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bimt-sweep-slurm-'));
  const cluster = join(dir, 'cluster');
  const env = { ...process.env, SLURMCTLD_PORT: '16817', SLURMD_PORT: '16818' };

  beforeAll(() => {
    execFileSync('scripts/slurm/cluster.sh', ['start', cluster], { env, stdio: 'inherit', timeout: 60_000 });
    // bimt and Slurm's commands find the cluster through SLURM_CONF (the child processes inherit it).
    process.env.SLURM_CONF = join(cluster, 'slurm.conf');
  }, 90_000);

  afterAll(() => {
    delete process.env.SLURM_CONF;
    execFileSync('scripts/slurm/cluster.sh', ['stop', cluster], { env, stdio: 'inherit', timeout: 60_000 });
  }, 90_000);

  it("runs the issue's sweep (12 two-moons points, full schedule) as array tasks, with the local launcher's exact metrics", async () => {
    const grid = ['configs/two-moons.yaml', '--grid', 'lambda.initial=1e-4,1e-3,1e-2', '--seeds', '0..3'];
    // A runs directory with sbatch's pattern character in it: Slurm's own logs still land in the
    // sweep's logs/ (the path is escaped), not under a name Slurm made up.
    const pct = join(dir, 'runs 100%j');
    const slurm = await runBimt(['sweep', ...grid, '--runs-dir', pct, '--name', 'slurm', '--launcher', 'slurm', '--throttle', '2']);
    const local = await runBimt(['sweep', ...grid, '--runs-dir', dir, '--name', 'local', '--jobs', '2']);
    expect(slurm.stderr).toMatch(/submitted Slurm job (\d+) \(12 array task\(s\)\)/);
    expect(slurm.status).toBe(0);
    expect(slurm.stdout).toContain('12 points: 12 completed');
    const job = /submitted Slurm job (\d+)/.exec(slurm.stderr)![1];
    expect(JSON.parse(readFileSync(join(pct, 'slurm', 'launcher.json'), 'utf8'))).toMatchObject({ kind: 'slurm', job });
    expect(readFileSync(join(pct, 'slurm', 'slurm', 'job.sh'), 'utf8')).toContain('sweep-point');
    expect(readdirSync(join(pct, 'slurm', 'logs'))).toContain(`slurm-${job}_0.out`);
    const points = readdirSync(join(pct, 'slurm')).filter((n) => /^p\d\d-/.test(n));
    expect(points).toHaveLength(12);
    for (const [i, p] of points.entries()) {
      expect(pointRecord(join(pct, 'slurm'), p)).toMatchObject({ state: 'completed', slurm: { job, task: i } });
      expect(metricsOf(join(pct, 'slurm'), p)).toEqual(metricsOf(join(dir, 'local'), p));
    }
    const status = await runBimt(['sweep', '--status', join(pct, 'slurm')]);
    expect(status.stdout).toContain(`launcher slurm, 1 cpu(s) per task, at most 2 at once; Slurm job ${job}`);
    // And compare tabulates it and draws test accuracy against lambda over the four seeds.
    const compared = await runBimt(['compare', join(pct, 'slurm'), '--plot', 'lambda.initial']);
    expect(compared.status).toBe(0);
    expect(compared.stdout.split('\n').filter((l) => /^p\d\d-/.test(l))).toHaveLength(12);
    expect(compared.stdout).toContain(`wrote ${join(pct, 'slurm', 'compare-lambda.initial-test_acc.svg')}`);
  }, 300_000);

  it('--cancel stops the job with the running points checkpointed; --resume finishes them', async () => {
    const sweep = join(dir, 'cancelled');
    const submitted = await runBimt(['sweep', 'configs/two-moons.yaml', '--grid', 'lambda.initial=1e-3,1e-2', '--set', 'train.steps=30000', '--runs-dir', dir, '--name', 'cancelled', '--launcher', 'slurm', '--no-wait']);
    expect(submitted.status).toBe(0);
    const running = (p: string) => existsSync(join(sweep, p, 'metrics.csv')) && readFileSync(join(sweep, p, 'metrics.csv'), 'utf8').split('\n').length > 5;
    while (!running('p00-initial0.001') || !running('p01-initial0.01')) await new Promise((r) => setTimeout(r, 100));
    const cancel = await runBimt(['sweep', '--cancel', sweep]);
    expect(cancel.status).toBe(0);
    expect(cancel.stdout).toMatch(/cancelled Slurm job \d+ \(2 task\(s\) queued or running/);
    // Each point catches Slurm's SIGTERM, finishes its step, checkpoints and records itself.
    const ended = () => ['p00-initial0.001', 'p01-initial0.01'].every((p) => pointRecord(sweep, p).state !== 'running');
    while (!ended()) await new Promise((r) => setTimeout(r, 100));
    for (const p of ['p00-initial0.001', 'p01-initial0.01']) {
      expect(pointRecord(sweep, p).state).toBe('interrupted');
      const meta = JSON.parse(readFileSync(join(sweep, p, 'meta.json'), 'utf8'));
      expect(meta.status).toBe('interrupted');
      expect(meta.steps_done).toBeGreaterThan(0);
      expect(meta.steps_done).toBeLessThan(30000);
    }
    const resumed = await runBimt(['sweep', '--resume', sweep]);
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).toContain('2 points: 2 completed');
    for (const p of ['p00-initial0.001', 'p01-initial0.01']) {
      expect(pointRecord(sweep, p)).toMatchObject({ state: 'completed', attempts: 2 });
      expect(JSON.parse(readFileSync(join(sweep, p, 'meta.json'), 'utf8')).resumes).toHaveLength(1);
    }
  }, 300_000);
});

if (!installed || !root) {
  describe('a Slurm sweep', () => {
    it.skip(`is not tested here: ${why}`, () => {});
  });
}
