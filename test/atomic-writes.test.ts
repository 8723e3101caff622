// Atomic writes replace a file by renaming a new one over it, so they must go only to regular
// files or new paths. Through the CLI: `plot --out` at a device, a FIFO, a symbolic link or a
// directory is refused in one line, and the thing is left exactly as it was.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'bimt-atomic-'));
const run = join(dir, 'r');
const bimt = (...a: string[]) => spawnSync(process.execPath, ['bin/bimt.js', ...a], { encoding: 'utf8' });
const plotTo = (out: string) => bimt('plot', run, '--kind', 'curves', '--out', out);

function refused(r: ReturnType<typeof bimt>, path: string, what: string) {
  expect(r.status).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toEqual([`bimt: cannot write ${path}: it is ${what}, not a regular file; give a new path or a regular file`]);
}

beforeAll(() => {
  const r = bimt('train', 'configs/two-moons.yaml', '--set', 'train.steps=100', '--set', 'lambda.changes=[]', '--set', 'output.checkpoint_every=100', '--runs-dir', dir, '--name', 'r');
  expect(r.status, r.stderr).toBe(0);
});

describe('plot --out at something that is not a regular file', () => {
  // A private copy of /dev/null (same device numbers), so a failure cannot break the machine's.
  const devnull = join(dir, 'null');
  const made = spawnSync('mknod', [devnull, 'c', '1', '3']).status === 0;

  it.skipIf(!made)('refuses a character device (a null device made with mknod) and leaves it a device', () => {
    refused(plotTo(devnull), devnull, 'a device, FIFO or socket');
    expect(lstatSync(devnull).isCharacterDevice()).toBe(true);
  });

  it('refuses a FIFO and leaves it a FIFO', () => {
    const fifo = join(dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    refused(plotTo(fifo), fifo, 'a device, FIFO or socket');
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('refuses a symbolic link, leaving the link and what it points to as they were', () => {
    const target = join(dir, 'target.txt');
    const link = join(dir, 'link.svg');
    writeFileSync(target, 'keep me\n');
    symlinkSync(target, link);
    refused(plotTo(link), link, 'a symbolic link');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe(target);
    expect(readFileSync(target, 'utf8')).toBe('keep me\n');
  });

  it('refuses a directory without leaving a temporary file beside it', () => {
    const sub = join(dir, 'a-dir.svg');
    mkdirSync(sub);
    refused(plotTo(sub), sub, 'a directory');
    expect(spawnSync('sh', ['-c', `ls -a ${dir} | grep -c '\\.tmp$'`], { encoding: 'utf8' }).stdout.trim()).toBe('0');
  });

  it('still writes a new path, and replaces a regular file', () => {
    const fresh = join(dir, 'fresh.svg');
    expect(plotTo(fresh).status).toBe(0);
    expect(readFileSync(fresh, 'utf8')).toMatch(/<svg[ >]/);
    writeFileSync(fresh, 'old');
    expect(plotTo(fresh).status).toBe(0);
    expect(readFileSync(fresh, 'utf8')).toMatch(/<svg[ >]/);
    expect(existsSync(fresh)).toBe(true);
  });
});
