/**
 * Reading files a user points bimt at, and file-system errors in words. Configs, checkpoints and
 * data are read only when they are regular files of a sane size: a path to /dev/zero, a FIFO or a
 * terminal would otherwise be read forever (issue 12, item 7).
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { BimtError } from '../errors.js';

/** Largest config file bimt reads (a real one is a few kilobytes). */
export const MAX_CONFIG_BYTES = 1 << 20;

/**
 * The bytes of a regular file of at most `maxBytes`. `what` names the file for messages ("config
 * file", "checkpoint"). Opened without blocking, so a FIFO with no writer is refused at once
 * instead of waiting; the type and size are checked on the open descriptor, so a file swapped
 * between check and read cannot slip through. Every file bimt reads goes through here (or
 * readProcFile), which test/bounded-reads.test.ts holds.
 */
export function readRegularFile(path: string, what: string, maxBytes: number): Buffer {
  const bytes = readRegularFileIfPresent(path, what, maxBytes);
  if (bytes === undefined) throw new BimtError(`${path}: no such ${what}`);
  return bytes;
}

/**
 * As readRegularFile, but undefined where nothing is at `path`: for files whose absence is a state
 * rather than an error (a run's lock that nobody holds).
 */
export function readRegularFileIfPresent(path: string, what: string, maxBytes: number): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new BimtError(`${path}: cannot read the ${what}: ${describeFsError(e)}`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new BimtError(`${path}: is a directory, not a ${what}`);
    if (!st.isFile()) throw new BimtError(`${path}: not a regular file (a device, FIFO or socket cannot be a ${what})`);
    if (st.size > maxBytes) throw new BimtError(`${path}: ${st.size} bytes is too large for a ${what} (at most ${maxBytes})`);
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    if (off !== buf.length) throw new BimtError(`${path}: the ${what} shrank while it was read`);
    return buf;
  } catch (e) {
    if (e instanceof BimtError) throw e;
    throw new BimtError(`${path}: cannot read the ${what}: ${describeFsError(e)}`);
  } finally {
    closeSync(fd);
  }
}

/**
 * The text of a file under /proc (a process's stat, the boot id), or undefined where it cannot be
 * read. The one exception to readRegularFile: the kernel writes these as they are read and gives
 * their size as 0, so their size cannot be checked first; they are read in pieces up to
 * `maxBytes` instead, and any other path is refused.
 */
export function readProcFile(path: string, maxBytes = 4096): string | undefined {
  if (!path.startsWith('/proc/')) throw new Error(`readProcFile: ${path} is not under /proc`);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    if (!fstatSync(fd).isFile()) return undefined;
    const buf = Buffer.alloc(maxBytes);
    let off = 0;
    while (off < maxBytes) {
      const n = readSync(fd, buf, off, maxBytes - off, null);
      if (n === 0) return buf.subarray(0, off).toString('utf8');
      off += n;
    }
    return undefined; // longer than any /proc file bimt reads: not the file it expects
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** A file-system error in words (node's own messages name the syscall and a temporary file). */
export function describeFsError(e: unknown): string {
  switch ((e as NodeJS.ErrnoException).code) {
    case 'EEXIST':
    case 'ENOTDIR':
      return 'a file is in the way of its folder';
    case 'EISDIR':
      return 'it is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'ENOENT':
      return 'no such file or directory (was it removed meanwhile?)';
    case 'EIO':
      return 'input/output error on the device';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    default:
      return (e instanceof Error ? e.message : String(e)).split('\n')[0];
  }
}

/**
 * A file-system error (with the path node names) as the one-line BimtError it is for a user; any
 * other error is returned as it is (a BimtError already is one line, anything else is a bug).
 */
export function asUserError(e: unknown): unknown {
  const err = e as NodeJS.ErrnoException;
  if (e instanceof BimtError || !(e instanceof Error) || typeof err.code !== 'string' || typeof err.path !== 'string') return e;
  return new BimtError(`${err.path}: ${describeFsError(e)}`, 1);
}
