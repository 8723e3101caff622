// The IDX reader (docs/cli.md, "IDX files") on hand-made files: plain and gzipped, 1-D labels
// and 3-D images; a truncated file, a bad magic, another element type, a wrong shape and a missing
// file are each one line naming the file.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeIdx, parseIdx, readIdx } from '../src/tasks/idx.js';
import { usageErrorOf } from './config-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'bimt-idx-'));
const write = (name: string, bytes: Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};

const labels = [3, 1, 4, 1, 5];
/** Two 2 x 3 images whose pixels count up: image i, row r, column c holds 6 i + 3 r + c. */
const images = Array.from({ length: 12 }, (_, k) => k);

describe('readIdx', () => {
  it('reads 1-D labels and 3-D images, plain and gzipped, with their big-endian sizes', () => {
    // The header written out by hand, as the format gives it.
    const hand = new Uint8Array([0, 0, 0x08, 1, 0, 0, 0, 5, ...labels]);
    expect(encodeIdx([5], labels)).toEqual(hand);
    for (const bytes of [hand, gzipSync(hand)]) {
      const r = readIdx(write('labels', bytes), { shape: [null] });
      expect(r.shape).toEqual([5]);
      expect(Array.from(r.data)).toEqual(labels);
    }
    const img = encodeIdx([2, 2, 3], images);
    expect(Array.from(img.subarray(0, 16))).toEqual([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3]);
    for (const bytes of [img, gzipSync(img)]) {
      const r = readIdx(write('images.gz', bytes), { shape: [null, 2, 3] });
      expect(r.shape).toEqual([2, 2, 3]);
      expect(r.data[6 * 1 + 3 * 1 + 2]).toBe(11);
    }
  });

  it('reads sizes above 255 and 65535 big-endian', () => {
    const r = parseIdx(encodeIdx([70000], new Uint8Array(70000).fill(7)), 'big');
    expect(r.shape).toEqual([70000]);
    expect(r.data.length).toBe(70000);
  });

  const bad: [string, Uint8Array, RegExp][] = [
    ['truncated data', encodeIdx([5], labels).subarray(0, 11), /: truncated: shape \[5\] needs 5 bytes of data, the file has 3/],
    ['truncated header', encodeIdx([2, 2, 3], images).subarray(0, 10), /: truncated: the header of 3 dimensions needs 16 bytes, the file has 10/],
    ['truncated gzip', gzipSync(encodeIdx([2, 2, 3], images)).subarray(0, 20), /: cannot unpack the gzipped IDX file: the gzip data is damaged or cut short/],
    ['bad magic', new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0, 0]), /: not an IDX file \(it must start with two zero bytes.*starts with 0x50 0x4b 0x03 0x04\)/],
    ['float type', new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]), /: IDX element type 0x0d \(float32\); bimt reads uint8 files/],
    ['trailing bytes', new Uint8Array([...encodeIdx([2], [1, 2]), 9]), /: 1 bytes after the data of shape \[2\]/],
    ['too short', new Uint8Array([0, 0]), /: 2 bytes is too short for an IDX file/],
  ];
  it('unpacks a gzipped file only up to the size its header gives', () => {
    // Header [2], then 16 MiB of zeros: 16 kB gzipped; unpacking stops one byte past the 10 the header gives.
    const plain = new Uint8Array(10 + (16 << 20));
    plain.set(encodeIdx([2], [1, 2]));
    const bomb = gzipSync(plain);
    expect(usageErrorOf(() => parseIdx(bomb, 'bomb.gz'))).toBe('bomb.gz: it unpacks to more than the 10 bytes of shape [2]; not an IDX file of that shape');
    const huge = gzipSync(new Uint8Array([0, 0, 8, 3, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 28, 0, 0, 0, 28]));
    expect(usageErrorOf(() => parseIdx(huge, 'huge.gz'))).toMatch(/^huge\.gz: its header gives shape \[2147483647, 28, 28\], \d+ bytes unpacked; bimt reads IDX files of at most 1073741824 bytes$/);
  });

  it.each(bad)('%s: one line naming the file', (name, bytes, message) => {
    const f = write(`${name.replace(/ /g, '-')}.idx`, bytes);
    const m = usageErrorOf(() => readIdx(f));
    expect(m.startsWith(`${f}: `)).toBe(true);
    expect(m).toMatch(message);
  });

  it('refuses a file of another shape than the caller expects, and a missing file', () => {
    const f = write('labels-as-images', encodeIdx([5], labels));
    expect(usageErrorOf(() => readIdx(f, { shape: [null, 28, 28], what: 'image file' }))).toBe(`${f}: shape [5], but an image file here has shape [n, 28, 28]`);
    const g = write('wrong-side', encodeIdx([1, 2, 3], new Uint8Array(6)));
    expect(usageErrorOf(() => readIdx(g, { shape: [null, 2, 2] }))).toMatch(/wrong-side: shape \[1, 2, 3\], but an IDX file here has shape \[n, 2, 2\]/);
    expect(usageErrorOf(() => readIdx(join(dir, 'nowhere'), { what: 'label file' }))).toBe(`${join(dir, 'nowhere')}: no such label file`);
  });
});

describe('IDX data sets through bimt train', () => {
  /** A directory of the four MNIST files: `nTrain` and `nTest` blank images. */
  const dataSet = (name: string, nTrain: number, nTest: number) => {
    const d = join(dir, name);
    mkdirSync(d);
    writeFileSync(join(d, 'train-images-idx3-ubyte'), encodeIdx([nTrain, 28, 28], new Uint8Array(nTrain * 784)));
    writeFileSync(join(d, 'train-labels-idx1-ubyte'), encodeIdx([nTrain], new Uint8Array(nTrain)));
    writeFileSync(join(d, 't10k-images-idx3-ubyte'), encodeIdx([nTest, 28, 28], new Uint8Array(nTest * 784)));
    writeFileSync(join(d, 't10k-labels-idx1-ubyte'), encodeIdx([nTest], new Uint8Array(nTest)));
    return d;
  };

  it('an empty training or test set is refused before a run directory is made', () => {
    const runs = join(dir, 'runs');
    for (const [name, nTrain, nTest, file] of [['no-train', 0, 3, 'train-images'], ['no-test', 3, 0, 't10k-images']] as const) {
      const d = dataSet(name, nTrain, nTest);
      const r = spawnSync(process.execPath, ['bin/bimt.js', 'train', 'configs/mnist.yaml', '--set', `task.path=${d}`, '--set', 'train.steps=2', '--runs-dir', runs], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`${join(d, `${file}-idx3-ubyte`)}: 0 images; a training or test set needs at least one`);
      expect(existsSync(runs)).toBe(false);
    }
  });
  it('--max-memory refuses gzipped images from their headers, before they are unpacked', () => {
    // 20,000 blank images: 15 MiB unpacked, a few kB gzipped.
    const d = join(dir, 'many');
    mkdirSync(d);
    const n = 20_000;
    writeFileSync(join(d, 'train-images-idx3-ubyte.gz'), gzipSync(encodeIdx([n, 28, 28], new Uint8Array(n * 784))));
    writeFileSync(join(d, 'train-labels-idx1-ubyte.gz'), gzipSync(encodeIdx([n], new Uint8Array(n))));
    writeFileSync(join(d, 't10k-images-idx3-ubyte.gz'), gzipSync(encodeIdx([10, 28, 28], new Uint8Array(7840))));
    writeFileSync(join(d, 't10k-labels-idx1-ubyte.gz'), gzipSync(encodeIdx([10], new Uint8Array(10))));
    const runs = join(dir, 'runs-many');
    const r = spawnSync(process.execPath, ['bin/bimt.js', 'train', 'configs/mnist.yaml', '--set', `task.path=${d}`, '--max-memory', '64M', '--runs-dir', runs], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toBe(`bimt: ${join(d, 'train-images-idx3-ubyte.gz')}: 20010 images in all (20000 + 10) take about 135 MiB to hold, above the limit of 64 MiB (--max-memory); use fewer images or pass --max-memory`);
  });
});
