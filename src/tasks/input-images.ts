/**
 * New images for an MNIST-style task from IDX files (docs/cli.md, "bimt eval"; the format:
 * docs/cli.md, "IDX files"): an image file [n, 28, 28], and optionally a label file [n] as the
 * targets, read as the task reads its own (pixel byte / 255, row-major).
 */
import { BimtError } from '../errors.js';
import { nameList } from '../util/excerpt.js';
import { parseIdx, readIdx } from './idx.js';
import { IMAGE_PIXELS, IMAGE_SIDE } from './mnist-data.js';
import type { TaskInstance } from './task.js';

/** What `readImageRows` gives: rows as a split's (see input-columns.ts InputRows). */
export interface ImageRows {
  readonly n: number;
  /** [n, 784] pixels in [0, 1]. */
  readonly x: Float32Array;
  /** [n] class labels, when a label file was given. */
  readonly y?: Int32Array;
}

/** Whether bytes read from a data file are IDX (two zero bytes first) or gzip, rather than CSV text. */
export function looksLikeIdx(raw: Uint8Array): boolean {
  return raw.length >= 2 && ((raw[0] === 0 && raw[1] === 0) || (raw[0] === 0x1f && raw[1] === 0x8b));
}

/**
 * The images of `raw` (the bytes of `file`) and the labels of `labelsFile`, for a task whose inputs
 * are 28 x 28 images; `columns` names the task's inputs for the message when they are not.
 */
export function readImageRows(task: TaskInstance, raw: Uint8Array, file: string, labelsFile: string | undefined, columns: readonly string[]): ImageRows {
  const { inputs, targets } = task;
  if (inputs.kind !== 'features' || inputs.dim !== IMAGE_PIXELS) {
    throw new BimtError(`${file}: IDX images, but the task's inputs are ${nameList(columns, 12)}; give a CSV file with those columns`);
  }
  const img = parseIdx(raw, file, { shape: [null, IMAGE_SIDE, IMAGE_SIDE], what: 'image file' });
  const n = img.shape[0]!;
  if (n === 0) throw new BimtError(`${file}: 0 images`);
  const x = Float32Array.from(img.data, (b) => b / 255);
  if (labelsFile === undefined) return { n, x };
  if (targets.kind !== 'classes') throw new BimtError(`--labels ${labelsFile}: the task's targets are not classes`);
  const lab = readIdx(labelsFile, { shape: [null], what: 'label file' });
  if (lab.shape[0] !== n) throw new BimtError(`${labelsFile}: ${lab.shape[0]} labels, but ${file} has ${n} images`);
  const bad = lab.data.findIndex((y) => y >= targets.count);
  if (bad >= 0) throw new BimtError(`${labelsFile}: label ${bad} is ${lab.data[bad]}, not a class 0..${targets.count - 1}`);
  return { n, x, y: Int32Array.from(lab.data) };
}
