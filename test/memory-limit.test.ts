// Configs too large to train are refused in one line, before a backend loads or a run directory
// is made: the estimate in src/train/memory.ts against --max-memory or half the machine's memory.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { planTraining } from '../src/config/plan.js';
import { asMlp } from './helpers.js';
import { buildTask } from '../src/tasks/registry.js';
import { estimateMemory, parseSize } from '../src/train/memory.js';
import { formatBytes } from '../src/util/bytes.js';

const BIN = resolve('bin/bimt.js');
const MOONS = resolve('configs/two-moons.yaml');
const QUICK = ['--set', 'train.steps=20', '--set', 'lambda.changes=[]', '--set', 'output.checkpoint_every=10'];
const cwd = mkdtempSync(join(tmpdir(), 'bimt-memory-'));
const bimt = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });

function expectRefused(r: ReturnType<typeof bimt>, message: RegExp) {
  expect(r.status).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1); // in particular no "backend" line: tfjs never loaded
  expect(lines[0]).toMatch(message);
  expect(existsSync(join(cwd, 'runs'))).toBe(false);
}

describe('bimt train refuses networks too large to train', () => {
  it('by default: above half of the machine memory', () => {
    // About 10^12 parameters: larger than any machine's memory.
    expectRefused(
      bimt('train', MOONS, '--set', 'model.widths=[2,1000000,1000000,2]'),
      /^bimt: model\.widths \[2, 1000000, 1000000, 2\]: about [\d.]+ [TP]iB to train \(parameters and Adam's moments [\d.]+ TiB, gradients and working copies [\d.]+ [TP]iB, activations [\d.]+ \w+, data [\d.]+ KiB, runtime 128 MiB\), above the limit of [\d.]+ \w+ \(half of this machine's memory\); lower the widths or pass --max-memory$/,
    );
  });

  it('with --max-memory: the limit given', () => {
    expectRefused(
      bimt('train', MOONS, '--set', 'model.widths=[2,20000,20000,2]', '--max-memory', '8G'),
      /^bimt: model\.widths \[2, 20000, 20000, 2\]: about (4\d|5\d) GiB to train \(.*\), above the limit of 8\.0 GiB \(--max-memory\); lower the widths/,
    );
    expectRefused(bimt('train', MOONS, '--max-memory', '1M'), /model\.widths \[2, 20, 20, 2\]: about 12\d MiB to train .* above the limit of 1\.0 MiB \(--max-memory\)/);
  });

  it('absurd widths are a config error before any estimate', () => {
    expectRefused(bimt('train', MOONS, '--set', 'model.widths=[2,100000000,2]'), /^bimt: --set model\.widths=\[2,100000000,2\]: model\.widths\.1: at most 1000000 neurons per layer \(got 100000000\)$/);
    const file = join(cwd, 'wide.yaml');
    writeFileSync(file, readFileSync(MOONS, 'utf8').replace('widths: [2, 20, 20, 2]', 'widths: [2, 1e12, 2]'));
    expectRefused(bimt('train', file), /^bimt: .*wide\.yaml:\d+:\d+: model\.widths\.1: at most 1000000 neurons per layer/);
  });

  it('a size that is not one', () => {
    for (const bad of ['lots', '0', '-1G', '8X']) {
      const r = bimt('train', MOONS, '--max-memory', bad);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/--max-memory must be a size such as 8G, 512M or 1\.5G/);
    }
  });

  it('a config within the limit trains, and --resume checks the run it continues', () => {
    const ok = bimt('train', MOONS, ...QUICK, '--name', 'small', '--max-memory', '2G');
    expect(ok.status).toBe(0);
    const run = join('runs', 'small');
    const meta = join(cwd, run, 'meta.json');
    writeFileSync(meta, readFileSync(meta, 'utf8').replace('"completed"', '"interrupted"'));
    const before = readdirSync(join(cwd, run), { recursive: true }).sort();
    const r = bimt('train', '--resume', run, '--max-memory', '1M');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/model\.widths \[2, 20, 20, 2\]: about .* above the limit of 1\.0 MiB \(--max-memory\)/);
    expect(readdirSync(join(cwd, run), { recursive: true }).sort()).toEqual(before);
    expect(readFileSync(meta, 'utf8')).toMatch(/"interrupted"/);
  });
});

describe('the estimate', () => {
  const moons = loadConfig('configs/two-moons.yaml').config;
  const task = buildTask(moons);
  const at = (widths: number[]) => planTraining({ ...moons, model: { ...asMlp(moons.model), widths } }, task);

  it('grows with the parameters, and every engine keeps at least the values and Adam moments', () => {
    const small = estimateMemory(at([2, 200, 200, 2]), 'tfjs');
    const large = estimateMemory(at([2, 2000, 2000, 2]), 'tfjs');
    const params = 2 * 2000 + 2000 * 2000 + 2000 * 2 + 2000 + 2000 + 2;
    expect(large.parameters).toBe(3 * 4 * params);
    expect(large.total).toBeGreaterThan(50 * small.total - 50 * small.runtime);
    for (const e of ['host', 'tfjs', 'workers'] as const) {
      const est = estimateMemory(at([2, 2000, 2000, 2]), e);
      expect(est.total).toBe(est.parameters + est.copies + est.activations + est.data + est.runtime);
      expect(est.copies).toBeGreaterThan(est.parameters);
    }
  });

  it('parses and prints sizes in powers of 1024', () => {
    expect(parseSize('8G')).toBe(8 * 2 ** 30);
    expect(parseSize('512M')).toBe(512 * 2 ** 20);
    expect(parseSize('1.5GiB')).toBe(1.5 * 2 ** 30);
    expect(parseSize('2tb')).toBe(2 * 2 ** 40);
    expect(parseSize('4096')).toBe(4096);
    for (const bad of ['', 'G', '0', '1e9', '-3M', '8 X', 'Infinity']) expect(parseSize(bad)).toBeUndefined();
    expect(formatBytes(8 * 2 ** 30)).toBe('8.0 GiB');
    expect(formatBytes(366 * 2 ** 20)).toBe('366 MiB');
    expect(formatBytes(512)).toBe('512 B');
  });
});
