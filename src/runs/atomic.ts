/**
 * Writes that leave files whole. Atomic writes: write a temporary file beside the target, flush
 * it, rename it over the target. A rename within one directory is atomic on POSIX, so after a
 * crash (even kill -9) or a full disk a file is either its old complete self, its new complete
 * self, or absent — never half-written. Appends (metrics rows) are cut back when they fail.
 *
 * The rename replaces whatever has the target's name, so the target must be a regular file or
 * absent: renaming over /dev/null, a FIFO or a symbolic link would replace that thing with a
 * plain file instead of writing to it.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, lstatSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BimtError } from '../errors.js';
import { describeFsError } from '../util/files.js';

let counter = 0;

/** Writes `path` atomically; any failure is a one-line BimtError naming `path`, and leaves it as it was. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  refuseNonRegular(path);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${counter++}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, 'wx'); // exclusive: never through a link someone left under that name
  } catch (e) {
    throw writeError(path, e);
  }
  let fdOpen = true;
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    fdOpen = false;
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    if (fdOpen) closeSync(fd);
    rmSync(tmp, { force: true });
    throw writeError(path, e);
  }
}

/**
 * A file a command was asked to produce (a plot, a pruned checkpoint, its graph): its folder
 * made, then written atomically. Whatever stops it (a read-only or full disk, a file in the way,
 * no permission) is one line naming the file, not node's message about a temporary file.
 */
export function writeOutputFile(path: string, data: string | Uint8Array): void {
  try {
    makeFolders(dirname(path));
  } catch (e) {
    throw writeError(path, e);
  }
  writeFileAtomic(path, data);
}

/**
 * mkdir -p one folder at a time: node's recursive mkdir reports ENOENT on a read-only file
 * system, where creating each folder in turn gives the real reason (EROFS).
 */
function makeFolders(dir: string): void {
  if (existsSync(dir)) return;
  makeFolders(dirname(dir));
  try {
    mkdirSync(dir);
  } catch (e) {
    // Made meanwhile by another process: fine. A file of that name stays an error.
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(dir).isDirectory()) throw e;
  }
}

/**
 * Appends `text` to the regular file `path`, all of it or nothing: a write that fails partway (a
 * full disk) is cut back to the previous length, so the file never ends in a partial line.
 */
export function appendWhole(path: string, text: string): void {
  refuseNonRegular(path);
  let fd: number;
  try {
    fd = openSync(path, 'a');
  } catch (e) {
    throw writeError(path, e);
  }
  let size: number | undefined;
  try {
    size = fstatSync(fd).size;
    const bytes = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
  } catch (e) {
    try {
      if (size !== undefined) ftruncateSync(fd, size);
    } catch {
      // Cannot cut back: the partial last line has no newline, and readers and resume drop it.
    }
    throw writeError(path, e);
  } finally {
    closeSync(fd);
  }
}

/** Refuses a target that exists and is not a regular file (checked without following links). */
export function refuseNonRegular(path: string): void {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return; // absent (or unreachable: the write itself will say why)
  }
  if (st.isFile()) return;
  const what = st.isDirectory() ? 'a directory' : st.isSymbolicLink() ? 'a symbolic link' : 'a device, FIFO or socket';
  throw new BimtError(`cannot write ${path}: it is ${what}, not a regular file; give a new path or a regular file`);
}

function writeError(path: string, e: unknown): BimtError {
  return new BimtError(`cannot write ${path}: ${describeFsError(e)}`, 1);
}
