// Every kind of bad input a user can give, through the real CLI: one line naming what and where,
// exit code 2, no stack trace.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../src/runs/open.js';

const dir = mkdtempSync(join(tmpdir(), 'bimt-bad-'));
const bimt = (...a: string[]) => spawnSync(process.execPath, ['bin/bimt.js', ...a], { encoding: 'utf8' });
const moons = readFileSync('configs/two-moons.yaml', 'utf8');
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

function expectUsageError(r: ReturnType<typeof bimt>, message: RegExp) {
  expect(r.status).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

let run: string;
beforeAll(() => {
  const r = bimt('train', 'configs/two-moons.yaml', '--set', 'train.steps=20', '--set', 'lambda.changes=[]', '--set', 'output.checkpoint_every=10', '--runs-dir', dir, '--name', 'ok');
  expect(r.status).toBe(0);
  run = join(dir, 'ok');
});

describe('bad config files and --set values', () => {
  const cases: [string, string, RegExp][] = [
    ['empty file', '', /empty\.yaml: the config file is empty/],
    ['invalid YAML', moons.replace('  top_k: 10', '  top_k: [10'), /invalid YAML/],
    ['wrong type', moons.replace('lr: 0.002', 'lr: fast'), /two\.yaml:\d+:\d+: train\.lr: must be a positive number \(got "fast"\)/],
    ['zero size', moons.replace('widths: [2, 20, 20, 2]', 'widths: [2, 0, 20, 2]'), /model\.widths\.1: .*(>0|positive)/i],
    ['negative steps', moons.replace('steps: 10001', 'steps: -3'), /train\.steps/],
    ['unknown task', moons.replace('kind: two-moons', 'kind: three-moons'), /task\.kind: unknown task "three-moons" \(known tasks: two-moons, symbolic, [a-z-]+(, [a-z-]+)*\)$/],
    ['misspelt task', moons.replace('kind: two-moons', 'kind: two-moon'), /task\.kind: unknown task "two-moon"; did you mean two-moons\? \(known tasks: two-moons, symbolic, [a-z-]+(, [a-z-]+)*\)$/],
    ['unknown activation', moons.replace('  seed: 2', '  seed: 2\n  activation: relu'), /model\.activation: .*silu/],
    ['schedule beyond the run', moons.replace('at: "50%"', 'at: 50000'), /lambda\.changes\.0\.at: step 50000 is beyond train\.steps/],
    ['NaN', moons.replace('lr: 0.002', 'lr: .nan'), /train\.lr: .*finite/],
    ['infinite', moons.replace('l0: 0.2', 'l0: .inf'), /cost\.l0: .*finite/],
    ['unknown key', moons.replace('  top_k: 10', '  top_k: 10\n  topk: 3'), /swap\.topk: unknown key \(allowed: every, top_k/],
  ];
  it.each(cases)('%s', (name, text, message) => {
    const p = file(name === 'empty file' ? 'empty.yaml' : 'two.yaml', text);
    expectUsageError(bimt('train', p, '--runs-dir', dir), message);
  });

  it('IDX files that are not there name the package that installs them', () => {
    expectUsageError(
      bimt('train', 'configs/fashion-mnist.yaml', '--set', `task.path=${join(dir, 'none')}`, '--runs-dir', dir),
      /task\.path: no such directory .*none \(a directory of the four MNIST-style IDX files; Fashion-MNIST's: apt-get install dataset-fashion-mnist, Debian's package, puts them in \/usr\/share\/datasets\/fashion-mnist\)$/,
    );
    expectUsageError(bimt('train', 'configs/fashion-mnist.yaml', '--set', `task.path=${dir}`, '--runs-dir', dir), /task\.path: .* has no train-images-idx3-ubyte\[\.gz\] \(.*apt-get install dataset-fashion-mnist/);
  });

  it('widths that do not divide by in_fold', () => {
    expectUsageError(bimt('train', 'configs/modular-addition.yaml', '--set', 'model.widths.0=63', '--runs-dir', dir), /model\.widths: input width 63 is not divisible by model\.in_fold 2/);
  });
  it('the host engine for token inputs', () => {
    expectUsageError(bimt('train', 'configs/modular-addition.yaml', '--set', 'train.engine=host', '--runs-dir', dir), /train\.engine: host takes feature inputs only/);
  });
  it('the workers engine with mini-batches', () => {
    expectUsageError(bimt('train', 'configs/two-moons.yaml', '--set', 'train.engine=workers', '--set', 'train.batch=32', '--runs-dir', dir), /train\.engine: workers splits full batches/);
  });
  it('an unknown --set key', () => {
    expectUsageError(bimt('train', 'configs/two-moons.yaml', '--set', 'train.speed=2'), /--set train\.speed=2: train\.speed: unknown key/);
  });
  it('a missing file', () => {
    expectUsageError(bimt('train', join(dir, 'none.yaml')), /none\.yaml: no such config file/);
  });
  it('a bad expression', () => {
    const p = file('expr.yaml', moons.replace(/task:\n(  .*\n)+/, 'task:\n  kind: symbolic\n  inputs: 2\n  outputs: ["x1 + * x2", "x3"]\n'));
    expectUsageError(bimt('train', p, '--runs-dir', dir), /expression "x1 \+ \* x2": unexpected "\*" at column 6/);
  });
});

describe('bad run directories, checkpoints and arguments', () => {
  it('a run directory that does not exist, or is not a run', () => {
    expectUsageError(bimt('prune', join(dir, 'nope')), /nope: no such run directory or checkpoint/);
    mkdirSync(join(dir, 'empty-dir'), { recursive: true });
    expectUsageError(bimt('prune', join(dir, 'empty-dir')), /not a bimt run directory/);
  });
  it('a threshold below 0', () => {
    expectUsageError(bimt('prune', run, '--threshold', '-1'), /--threshold must be >= 0/);
  });
  // The checksum in meta.json would catch a truncated file first; these copies of the run record
  // the truncated file's own checksum, or none, so the safetensors reader must notice the cut.
  it.each([
    ['in the tensor data, checksum recorded', 7, 'recorded', /step-000010\.safetensors: not a valid safetensors file: tensor \S+ bytes \d+\.\.\d+ do not match shape \[[\d,]+\] within \d+ data bytes \(truncated\?\)$/],
    ['in the header, no checksum recorded', -20, 'none', /step-000010\.safetensors: not a valid safetensors file: header of \d+ bytes does not fit in 20 bytes \(truncated\?\)$/],
  ] as const)('a checkpoint truncated %s', (_where, cut, checksum, message) => {
    const bytes = readFileSync(join(run, 'checkpoints', 'step-000010.safetensors'));
    const copy = join(dir, `trunc-${checksum}`);
    mkdirSync(join(copy, 'checkpoints'), { recursive: true });
    const file = join(copy, 'checkpoints', 'step-000010.safetensors');
    writeFileSync(file, cut > 0 ? bytes.subarray(0, bytes.length - cut) : bytes.subarray(0, -cut));
    copyFileSync(join(run, 'config.yaml'), join(copy, 'config.yaml'));
    const meta = JSON.parse(readFileSync(join(run, 'meta.json'), 'utf8'));
    meta.checkpoints = checksum === 'recorded' ? { 'step-000010.safetensors': sha256(file) } : {};
    writeFileSync(join(copy, 'meta.json'), JSON.stringify(meta));
    expectUsageError(bimt('prune', copy), message);
  });
  it('a corrupted checkpoint (checksum from meta.json)', () => {
    const ck = join(run, 'checkpoints', 'step-000020.safetensors');
    const bytes = readFileSync(ck);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(ck, bytes);
    expectUsageError(bimt('prune', run), /step-000020\.safetensors: checksum does not match the one in meta\.json/);
  });
  it('a checkpoint of another shape', () => {
    const other = join(dir, 'other');
    mkdirSync(join(other, 'checkpoints'), { recursive: true });
    copyFileSync(join(run, 'checkpoints', 'step-000010.safetensors'), join(other, 'checkpoints', 'step-000010.safetensors'));
    writeFileSync(join(other, 'config.yaml'), readFileSync(join(run, 'config.yaml'), 'utf8').replace('- 20\n    - 20', '- 16\n    - 20'));
    copyFileSync(join(run, 'meta.json'), join(other, 'meta.json')); // a valid meta.json: the shape is what is wrong
    expectUsageError(bimt('prune', other), /checkpoint has widths \[2,20,20,2\] in_fold 1, but widths \[2,16,20,2\] in_fold 1 was expected/);
  });
  it('an output path that is not writable', () => {
    writeFileSync(join(dir, 'blocker'), 'a file where a folder should be');
    expectUsageError(bimt('train', 'configs/two-moons.yaml', '--runs-dir', join(dir, 'blocker', 'runs')), /cannot create runs directory/);
  });
});
