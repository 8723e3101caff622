// Checkpoints that cannot be used are refused in one line, not with an internal error (issue 25,
// item 15): a training state whose loop_state is not JSON, a checkpoint over 2 GiB (node's
// readFileSync threw "File size ... is greater than 2 GiB"), a checkpoint the user may not read
// (EACCES; we test as root, so the CLI runs as `nobody` there). Through the CLI.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors } from '../src/runs/safetensors.js';

const runs = mkdtempSync(join(tmpdir(), 'bimt-checkpoint-errors-'));
const run = join(runs, 'r');
const bimt = (...a: string[]) => spawnSync(process.execPath, ['bin/bimt.js', ...a], { encoding: 'utf8' });

function expectOneLine(r: { status: number | null; stderr: string }, status: number, message: RegExp): void {
  expect(r.status, r.stderr).toBe(status);
  const lines = r.stderr.trim().split('\n');
  expect(lines.at(-1)).toMatch(message);
  expect(r.stderr).not.toMatch(/internal error|^\s+at /m);
}

describe('checkpoints that cannot be used', () => {
  beforeAll(() => {
    const r = bimt('train', 'configs/two-moons.yaml', '--set', 'train.steps=20', '--set', 'lambda.changes=[]', '--set', 'output.checkpoint_every=10', '--runs-dir', runs, '--name', 'r');
    expect(r.status, r.stderr).toBe(0);
  });

  it('a training state whose loop_state is not JSON', () => {
    const state = join(run, 'checkpoints', 'step-000020.state.safetensors');
    const file = decodeSafetensors(readFileSync(state), state);
    expect(file.metadata.loop_state).toBeDefined();
    const bad = join(run, 'edited.state.safetensors');
    writeFileSync(bad, encodeSafetensors({ ...file, metadata: { ...file.metadata, loop_state: '{not json' } }));
    expectOneLine(bimt('prune', bad), 2, new RegExp(`^bimt: ${bad}: not a bimt checkpoint: loop_state is not JSON$`));
  });

  it('a checkpoint over 2 GiB, its size checked before it is read (or checksummed)', () => {
    const ckpt = join(run, 'checkpoints', 'step-000010.safetensors');
    truncateSync(ckpt, 3 * 2 ** 30); // sparse: no disk used
    // --step 10: meta.json records the checkpoint's sha256, which is checked first.
    expectOneLine(bimt('prune', run, '--step', '10'), 2, new RegExp(`^bimt: ${ckpt}: 3221225472 bytes is too large for a checkpoint \\(at most 2147483647\\)$`));
    expectOneLine(bimt('prune', ckpt), 2, /3221225472 bytes is too large for a checkpoint/);
  });

  it('a checkpoint the user may not read (EACCES)', (ctx) => {
    // As root every file is readable: run the CLI as nobody, where the system lets us.
    const asUser = process.getuid?.() === 0 ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups'] : [];
    const cli = (...a: string[]) => (asUser.length > 0 ? spawnSync(asUser[0]!, [...asUser.slice(1), process.execPath, 'bin/bimt.js', ...a], { encoding: 'utf8' }) : bimt(...a));
    for (const dir of [runs, run, join(run, 'checkpoints')]) chmodSync(dir, 0o755);
    spawnSync('chmod', ['-R', 'a+rX', runs]);
    const probe = cli('--version');
    if (probe.status !== 0) return ctx.skip(`cannot run bimt as nobody here (${(probe.error?.message ?? probe.stderr).trim().split('\n')[0]}): the checkout or node is not readable by other users, or setpriv is missing`);
    const ckpt = join(run, 'checkpoints', 'step-000020.safetensors');
    chmodSync(ckpt, 0o000);
    expectOneLine(cli('prune', run, '--step', '20'), 2, new RegExp(`^bimt: ${ckpt}: cannot read the checkpoint: permission denied$`));
    expectOneLine(cli('prune', ckpt), 2, new RegExp(`^bimt: ${ckpt}: cannot read the checkpoint: permission denied$`));
  });
});
