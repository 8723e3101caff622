// Config inputs that must not hurt bimt: keys that reach Object.prototype, and config paths that
// are not regular files of a sane size (which would be read forever). Each is one line, exit 2.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { usageErrorOf } from './config-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'bimt-safety-'));
// The timeout only keeps a regression (a read that never ends) from hanging the suite.
const bimt = (...a: string[]) => spawnSync(process.execPath, ['bin/bimt.js', ...a], { encoding: 'utf8', timeout: 60_000 });
const moons = readFileSync('configs/two-moons.yaml', 'utf8');

function expectUsageError(r: ReturnType<typeof bimt>, message: RegExp) {
  expect(r.signal).toBeNull();
  expect(r.status).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(message);
}

const errorOf = (text: string, sets: string[] = []) => usageErrorOf(() => parseConfig(text, 'c.yaml', sets));

describe('keys that name Object.prototype', () => {
  const cases: [set: string, key: string][] = [
    ['__proto__.polluted=1', '__proto__'],
    ['__proto__=1', '__proto__'],
    ['constructor.prototype.polluted=1', 'constructor'],
    ['train.__proto__.polluted=1', 'train.__proto__'],
    ['task.constructor=1', 'task.constructor'],
  ];
  it.each(cases)('--set %s is an unknown key and pollutes nothing', (set, key) => {
    const escape = (s: string) => s.replace(/[.*+?^$()[\]\\]/g, '\\$&');
    expect(errorOf(moons, [set])).toMatch(new RegExp(`^--set ${escape(set)}: ${escape(key)}: unknown key \\(allowed: `));
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('through the CLI', () => {
    expectUsageError(bimt('train', 'configs/two-moons.yaml', '--set', '__proto__.polluted=1', '--runs-dir', dir), /^bimt: --set __proto__\.polluted=1: __proto__: unknown key \(allowed: name, seed, task/);
    expectUsageError(bimt('train', 'configs/two-moons.yaml', '--set', '__proto__=1', '--runs-dir', dir), /^bimt: --set __proto__=1: __proto__: unknown key/);
  });

  it.each(['__proto__', 'constructor', 'prototype'])('a key %s in the file is an unknown key at its line', (key) => {
    expect(errorOf(moons.replace('swap:\n', `swap:\n  ${key}: { polluted: 1 }\n`))).toMatch(new RegExp(`^c\\.yaml:\\d+:3: swap\\.${key}: unknown key \\(allowed: every`));
    expect(errorOf(`${key}: { polluted: 1 }\n${moons}`)).toMatch(new RegExp(`^c\\.yaml:1:1: ${key}: unknown key`));
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

describe('config paths that are not regular files', () => {
  it.each(['/dev/zero', '/dev/urandom'])('%s', (device) => {
    expectUsageError(bimt('train', device, '--runs-dir', dir), new RegExp(`^bimt: ${device}: not a regular file`));
  });
  it('a FIFO with no writer', () => {
    const fifo = join(dir, 'fifo.yaml');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    expectUsageError(bimt('train', fifo, '--runs-dir', dir), /fifo\.yaml: not a regular file/);
  });
  it('a directory', () => {
    mkdirSync(join(dir, 'folder.yaml'));
    expectUsageError(bimt('train', join(dir, 'folder.yaml'), '--runs-dir', dir), /folder\.yaml: is a directory, not a config file/);
  });
  it('an oversized file', () => {
    const big = join(dir, 'big.yaml');
    writeFileSync(big, moons + `# ${'x'.repeat(1 << 20)}\n`);
    expectUsageError(bimt('train', big, '--runs-dir', dir), /big\.yaml: \d+ bytes is too large for a config file \(at most 1048576\)/);
  });
});
