/**
 * Atomic file writes: write a temporary file beside the target, flush it, rename it over the
 * target. A rename within one directory is atomic on POSIX, so after a crash (even kill -9) a file
 * is either its old complete self, its new complete self, or absent — never half-written.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BimtError } from '../errors.js';
import { describeFsError } from '../util/files.js';

let counter = 0;

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${counter++}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * A file a command was asked to produce (a plot, a pruned checkpoint, its graph): its folder
 * made, then written atomically. Whatever stops it (a read-only or full disk, a file in the way,
 * no permission) is one line naming the file, not node's message about a temporary file.
 */
export function writeOutputFile(path: string, data: string | Uint8Array): void {
  const fail = (why: string) => new BimtError(`cannot write ${path}: ${why}`, 1);
  try {
    makeFolders(dirname(path));
  } catch (e) {
    throw fail(describeFsError(e));
  }
  // Checked first: the rename onto a directory would fail only after the temporary file is written.
  if (existsSync(path) && statSync(path).isDirectory()) throw fail('it is a directory');
  try {
    writeFileAtomic(path, data);
  } catch (e) {
    throw fail(describeFsError(e));
  }
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
