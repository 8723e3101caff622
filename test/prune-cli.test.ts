/**
 * `bimt prune` end to end, as a user runs it (the compiled CLI in a subprocess): the printed
 * table, graph.json and the snapshots of a real short two-moons run (snake_case keys, the real
 * threshold, a weight count that is the edge list's), the checkpoint files it accepts, and
 * file-system failures as one line.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const bimt = (...args: string[]) => spawnSync(process.execPath, ['bin/bimt.js', ...args], { encoding: 'utf8' });

/** Every key of every object anywhere in a parsed JSON value. */
function keysOf(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(keysOf);
  if (typeof v !== 'object' || v === null) return [];
  return Object.entries(v).flatMap(([k, x]) => [k, ...keysOf(x)]);
}

interface GraphFile {
  step: number;
  threshold: number;
  widths: number[];
  weights_kept: number;
  weights_total: number;
  layers: { index: number; connected: boolean }[][];
  edges: unknown[];
  before?: Record<string, number | null>;
  after?: Record<string, number | null>;
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as GraphFile;

/** A failed command: one line "bimt: ..." on stderr and this exit code. */
function oneLineFailure(r: ReturnType<typeof bimt>, status: number): string {
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^bimt: /);
  expect(r.status).toBe(status);
  return lines[0];
}

describe('bimt prune (command line)', () => {
  const runs = mkdtempSync(join(tmpdir(), 'bimt-prune-'));
  const run = join(runs, 'r');

  beforeAll(() => {
    // Thresholds far above the usual 0.01, so that after 300 steps some neurons are dead while
    // weights above the threshold still lead into or out of them; two different ones, so that
    // a snapshot or graph.json recording the wrong one shows.
    const r = bimt(
      'train', 'configs/two-moons.yaml',
      '--set', 'train.steps=300', '--set', 'lambda.changes=[]', '--set', 'output.checkpoint_every=100',
      '--set', 'output.snapshot_threshold=0.3', '--set', 'output.prune_threshold=0.2',
      '--runs-dir', runs, '--name', 'r',
    );
    expect(r.status, r.stderr).toBe(0);
  });

  it('prints alive neurons out of each layer width, and graph.json records the threshold used', () => {
    const r = bimt('prune', run);
    expect(r.status, r.stderr).toBe(0);
    // two-moons is [2, 20, 20, 2]: the hidden denominators are the widths, not the alive counts.
    const alive = /neurons alive +(\d+)\/2 +(\d+)\/20 +(\d+)\/20 +(\d+)\/2 /.exec(r.stdout);
    expect(alive, r.stdout).not.toBeNull();
    const dir = join(run, 'pruned', 'step-000300-t0.2');
    const g = readJson(join(dir, 'graph.json'));
    expect(g.threshold).toBe(0.2);
    expect(g.widths).toEqual([2, 20, 20, 2]);
    expect(Number(alive![2])).toBe(g.layers[1].length);
    expect(Number(alive![3])).toBe(g.layers[2].length);
    expect(r.stdout).toContain(`weights kept     ${g.weights_kept} / ${g.weights_total}`);

    const t = bimt('prune', run, '--threshold', '0.05');
    expect(t.status, t.stderr).toBe(0);
    expect(readJson(join(run, 'pruned', 'step-000300-t0.05', 'graph.json')).threshold).toBe(0.05);
  });

  it('writes graph.json with snake_case keys, as meta.json and metrics.csv', () => {
    const g = readJson(join(run, 'pruned', 'step-000300-t0.2', 'graph.json'));
    expect(keysOf(g).filter((k) => !/^[a-z0-9_]+$/.test(k))).toEqual([]);
    expect(Object.keys(g.before!).sort()).toEqual(['test_acc', 'test_loss', 'train_acc', 'train_loss']);
    expect(g.weights_kept).toBe(g.edges.length);
  });

  it('writes snapshots with snake_case keys whose weight count is their edge list', () => {
    const snaps = readdirSync(join(run, 'snapshots'));
    expect(snaps).toEqual(['step-000000.json', 'step-000100.json', 'step-000200.json', 'step-000300.json']);
    const hidden = (g: GraphFile) => g.layers.slice(1, -1).reduce((n, l) => n + l.length, 0);
    let someDead = false;
    for (const f of snaps) {
      const s = readJson(join(run, 'snapshots', f));
      expect(keysOf(s).filter((k) => !/^[a-z0-9_]+$/.test(k))).toEqual([]);
      expect(s.threshold).toBe(0.3);
      expect(s.weights_kept).toBe(s.edges.length);
      someDead ||= hidden(s) < 40;
    }
    // Otherwise nothing here would tell a count of all weights above the threshold from this one.
    expect(someDead).toBe(true);
  });

  it('prunes a pruned checkpoint, and a copy under another name inside the run', () => {
    const pruned = join(run, 'pruned', 'step-000300-t0.2', 'checkpoint.safetensors');
    const r = bimt('prune', pruned, '--threshold', '0.25');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('pruned step 300 at |w| <= 0.25');
    // Named after the pruned checkpoint: pruned/step-000300-t0.25 is the run's own step 300 at 0.25.
    const twice = readJson(join(run, 'pruned', 'step-000300-t0.2-t0.25', 'graph.json'));
    expect(twice.threshold).toBe(0.25);

    const copy = join(run, 'keep', 'best.safetensors');
    mkdirSync(join(run, 'keep'));
    copyFileSync(join(run, 'checkpoints', 'step-000200.safetensors'), copy);
    const c = bimt('prune', copy);
    expect(c.status, c.stderr).toBe(0);
    expect(c.stdout).toContain('pruned step 200 at |w| <= 0.2');
    expect(readJson(join(run, 'pruned', 'best-t0.2', 'graph.json')).step).toBe(200);

    // A copy that kept its checkpoint name is told apart from the run's own checkpoint by its folder.
    copyFileSync(join(run, 'checkpoints', 'step-000200.safetensors'), join(run, 'keep', 'step-000300.safetensors'));
    const k = bimt('prune', join(run, 'keep', 'step-000300.safetensors'));
    expect(k.status, k.stderr).toBe(0);
    expect(readJson(join(run, 'pruned', 'keep-step-000300-t0.2', 'graph.json')).step).toBe(200);
    expect(readJson(join(run, 'pruned', 'step-000300-t0.2', 'graph.json')).step).toBe(300);
  });

  it('says what is missing for a checkpoint copied out of its run', () => {
    const lone = join(runs, 'lone.safetensors');
    copyFileSync(join(run, 'checkpoints', 'step-000300.safetensors'), lone);
    const msg = oneLineFailure(bimt('prune', lone), 2);
    expect(msg).toContain(lone);
    expect(msg).toContain('not inside a run directory');
  });

  it('still refuses a checkpoint of the run that was changed after training', () => {
    const tampered = join(run, 'checkpoints', 'step-000100.safetensors');
    const bytes = readFileSync(tampered);
    bytes[bytes.length - 1] ^= 1;
    writeFileSync(tampered, bytes);
    expect(oneLineFailure(bimt('prune', tampered), 2)).toContain('checksum does not match');
  });

  it('reports a file in the way, or a directory where a file goes, in one line', () => {
    const other = join(runs, 'blocked');
    const t = bimt('train', 'configs/two-moons.yaml', '--set', 'train.steps=10', '--set', 'lambda.changes=[]', '--runs-dir', runs, '--name', 'blocked');
    expect(t.status, t.stderr).toBe(0);
    writeFileSync(join(other, 'pruned'), '');
    const inTheWay = oneLineFailure(bimt('prune', other), 1);
    expect(inTheWay).toBe(`bimt: cannot write ${join(other, 'pruned', 'step-000010-t0.01', 'checkpoint.safetensors')}: a file is in the way of its folder`);

    const graph = join(run, 'pruned', 'step-000200-t0.2', 'graph.json');
    mkdirSync(graph, { recursive: true });
    expect(oneLineFailure(bimt('prune', run, '--step', '200'), 2)).toMatch(new RegExp(`^bimt: cannot write ${graph}: it is a directory, not a regular file`));
  });

  // A real read-only and a real full disk need a mount of their own: only where tests run as root.
  const root = process.getuid?.() === 0;
  it.runIf(root)('reports a read-only or full disk in one line, from prune and from plot', (ctx) => {
    const mnt = mkdtempSync(join(tmpdir(), 'bimt-mnt-'));
    const sh = (cmd: string) => spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
    if (sh(`mount -t tmpfs -o size=128k tmpfs ${mnt}`).status !== 0) return ctx.skip();
    try {
      const copy = join(mnt, 'r');
      mkdirSync(join(copy, 'checkpoints'), { recursive: true });
      for (const f of ['config.yaml', 'meta.json', 'metrics.csv', 'checkpoints/step-000300.safetensors']) copyFileSync(join(run, f), join(copy, f));
      const ck = join(copy, 'pruned', 'step-000300-t0.2', 'checkpoint.safetensors');

      expect(sh(`mount -o remount,ro ${mnt}`).status).toBe(0);
      expect(oneLineFailure(bimt('prune', copy), 1)).toBe(`bimt: cannot write ${ck}: read-only file system`);
      expect(oneLineFailure(bimt('plot', copy, '--kind', 'curves'), 1)).toBe(`bimt: cannot write ${join(copy, 'plots', 'curves.svg')}: read-only file system`);

      expect(sh(`mount -o remount,rw ${mnt}`).status).toBe(0);
      sh(`dd if=/dev/zero of=${mnt}/fill bs=4k count=64`); // fails when the disk is full, as meant
      expect(oneLineFailure(bimt('prune', copy), 1)).toBe(`bimt: cannot write ${ck}: no space left on the device`);
    } finally {
      sh(`umount ${mnt}`);
      rmSync(mnt, { recursive: true, force: true });
    }
  });
});
