/**
 * The IDX format of MNIST and Fashion-MNIST (docs/cli.md, "IDX files"), plain or gzipped:
 *
 *     0x00 0x00 <type> <dims>      magic: two zero bytes, the element type, the number of dimensions
 *     <size 0> ... <size dims-1>   one big-endian uint32 per dimension
 *     data                         the elements, row-major (the last dimension varies fastest)
 *
 * bimt reads type 0x08 (unsigned bytes), the type of every MNIST-style image and label file.
 * A missing, truncated or wrongly shaped file is one BimtError line naming the file.
 *
 *     readIdx('train-labels-idx1-ubyte.gz', { shape: [null] })            // labels: [n]
 *     readIdx('train-images-idx3-ubyte', { shape: [null, 28, 28] })      // images: [n, 28, 28]
 */
import { constants, gunzipSync } from 'node:zlib';
import { BimtError } from '../errors.js';
import { readRegularFile } from '../util/files.js';
import { dataFile, type DataFile } from './task.js';

/** Largest IDX file read, and largest a gzipped one may unpack to (MNIST's training images: 47 MB). */
export const MAX_IDX_BYTES = 1 << 30;

/** The IDX type code bimt reads: unsigned bytes. */
const UBYTE = 0x08;

const TYPE_NAMES: Readonly<Record<number, string>> = { 0x08: 'uint8', 0x09: 'int8', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64' };

/** An IDX file's contents: its shape and its elements, row-major. */
export interface IdxArray {
  readonly shape: readonly number[];
  readonly data: Uint8Array;
  /** The file as read (readIdx), for the run's record of its data. */
  readonly source?: DataFile;
}

/**
 * What a caller expects of a file: its shape, null where any size will do ([null, 28, 28]: any
 * number of 28 x 28 images). `what` names the file in messages ("image file").
 */
export interface IdxExpectation {
  readonly shape?: readonly (number | null)[];
  readonly what?: string;
}

/** Reads an IDX file, gunzipping it when it starts with gzip's magic bytes. */
export function readIdx(file: string, expect: IdxExpectation = {}): IdxArray {
  const what = expect.what ?? 'IDX file';
  const raw = readRegularFile(file, what, MAX_IDX_BYTES);
  return { ...parseIdx(raw, file, expect), source: dataFile(file, raw) };
}

/**
 * The shape an IDX file's header gives, read without unpacking the whole of a gzipped file: what
 * the data will take is known before it is unpacked or converted (src/tasks/mnist-data.ts checks
 * it against the memory limit). Undefined when the header cannot be read; readIdx says why.
 */
export function idxShape(file: string, what = 'IDX file'): number[] | undefined {
  return headerShape(readRegularFile(file, what, MAX_IDX_BYTES));
}

/** Compressed bytes unpacked to find the header: a few hundred hold it; they unpack to at most about 4 MB. */
const HEAD_BYTES = 4096;

function headerShape(raw: Uint8Array): number[] | undefined {
  let head = raw;
  if (isGzip(raw)) {
    try {
      // Z_SYNC_FLUSH: what the first bytes unpack to, without an error for the rest missing.
      head = gunzipSync(raw.subarray(0, HEAD_BYTES), { finishFlush: constants.Z_SYNC_FLUSH });
    } catch {
      return undefined;
    }
  }
  if (head.length < 4 || head[0] !== 0 || head[1] !== 0 || head[3] === 0 || head.length < 4 + 4 * head[3]!) return undefined;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  return Array.from({ length: head[3]! }, (_, d) => view.getUint32(4 + 4 * d, false));
}

function isGzip(raw: Uint8Array): boolean {
  return raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b;
}

/** `readIdx` of bytes already read; `file` names them in messages. */
export function parseIdx(raw: Uint8Array, file: string, expect: IdxExpectation = {}): IdxArray {
  const what = expect.what ?? 'IDX file';
  let bytes = raw;
  if (isGzip(raw)) {
    // The header first: a file whose shape is too large is refused before it is unpacked, and
    // unpacking stops one byte past the size its header gives.
    const shape = headerShape(raw);
    const size = shape && 4 + 4 * shape.length + shape.reduce((a, b) => a * b, 1);
    if (size !== undefined && size > MAX_IDX_BYTES) {
      throw new BimtError(`${file}: its header gives shape [${shape!.join(', ')}], ${size} bytes unpacked; bimt reads IDX files of at most ${MAX_IDX_BYTES} bytes`);
    }
    const limit = size === undefined ? MAX_IDX_BYTES : size + 1;
    try {
      bytes = gunzipSync(raw, { maxOutputLength: limit });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' && size !== undefined) {
        throw new BimtError(`${file}: it unpacks to more than the ${size} bytes of shape [${shape!.join(', ')}]; not an IDX file of that shape`);
      }
      const why = code === 'ERR_BUFFER_TOO_LARGE' ? `it unpacks to more than ${MAX_IDX_BYTES} bytes` : 'the gzip data is damaged or cut short';
      throw new BimtError(`${file}: cannot unpack the gzipped ${what}: ${why}`);
    }
  }
  if (bytes.length < 4) throw new BimtError(`${file}: ${bytes.length} bytes is too short for an IDX file (its header alone is 4 bytes and more)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new BimtError(`${file}: not an IDX file (it must start with two zero bytes, then the type and the number of dimensions; it starts with ${hex(bytes.subarray(0, 4))})`);
  }
  const type = bytes[2]!;
  if (type !== UBYTE) {
    const name = TYPE_NAMES[type];
    throw new BimtError(`${file}: IDX element type 0x${type.toString(16).padStart(2, '0')}${name ? ` (${name})` : ' (not an IDX type)'}; bimt reads uint8 files (type 0x08), as MNIST's are`);
  }
  const dims = bytes[3]!;
  if (dims === 0) throw new BimtError(`${file}: the IDX header gives 0 dimensions`);
  const headerBytes = 4 + 4 * dims;
  if (bytes.length < headerBytes) throw new BimtError(`${file}: truncated: the header of ${dims} dimensions needs ${headerBytes} bytes, the file has ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: dims }, (_, d) => view.getUint32(4 + 4 * d, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const have = bytes.length - headerBytes;
  if (have < count) throw new BimtError(`${file}: truncated: shape [${shape.join(', ')}] needs ${count} bytes of data, the file has ${have}`);
  if (have > count) throw new BimtError(`${file}: ${have - count} bytes after the data of shape [${shape.join(', ')}]; not an IDX file of that shape`);
  if (expect.shape) {
    const want = expect.shape;
    if (want.length !== dims || want.some((s, d) => s !== null && s !== shape[d])) {
      throw new BimtError(`${file}: shape [${shape.join(', ')}], but ${article(what)} here has shape [${want.map((s) => s ?? 'n').join(', ')}]`);
    }
  }
  return { shape, data: bytes.subarray(headerBytes) };
}

/**
 * An IDX file of uint8 elements and the given shape, as `parseIdx` reads it: for tests and for
 * writing small data sets.
 */
export function encodeIdx(shape: readonly number[], data: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = UBYTE;
  out[3] = shape.length;
  shape.forEach((s, d) => view.setUint32(4 + 4 * d, s, false));
  out.set(data, 4 + 4 * shape.length);
  return out;
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => `0x${x.toString(16).padStart(2, '0')}`).join(' ');
}

/** "an image file", "a label file". */
function article(what: string): string {
  return `${/^[aeiouAEIOU]/.test(what) ? 'an' : 'a'} ${what}`;
}
