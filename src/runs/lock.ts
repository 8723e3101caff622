/**
 * One writer per run directory. `bimt train` and `bimt train --resume` hold `<run>/lock` while
 * they write the run; a second writer is refused in one line, and `bimt ls` calls a run
 * `running` only while its lock is live.
 *
 * The lock file is written whole under a temporary name and hard-linked to `lock`: the link fails
 * if `lock` exists, so taking it is atomic and a lock file is never seen half-written. It holds the
 * owner's pid, host and process start time: after a crash the pid may be reused by an unrelated
 * process, and the start time (from /proc) tells the two apart. A lock whose process is gone (or
 * whose pid now belongs to another process) is stale: it is reported and replaced. A lock taken on
 * another host cannot be checked from here, so it is refused with the way to remove it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { BimtError } from '../errors.js';
import { describeFsError, readProcFile, readRegularFile, readRegularFileIfPresent } from '../util/files.js';
import type { RunMeta, RunPaths, RunStatus } from './run-dir.js';

const ownerSchema = z.object({
  pid: z.number().int().positive(),
  host: z.string(),
  /** "<boot id>:<start time in clock ticks>" from /proc, or null where there is no /proc. */
  process_start: z.string().nullable(),
  /** Random, so a holder releases only its own lock (and a stale lock is told from a fresh one). */
  token: z.string(),
  since: z.string(),
});

export type LockOwner = z.infer<typeof ownerSchema>;

/** A lock file bimt writes is about 200 bytes; anything far larger is not one. */
const MAX_LOCK_BYTES = 4096;

/** The text of a lock file, read as every file is (a FIFO or a link to /dev/zero in its place is refused, not read forever). */
const readLock = (file: string): string => readRegularFile(file, 'lock file', MAX_LOCK_BYTES).toString('utf8');

export type LockState =
  | { readonly kind: 'free' }
  /** Held by a process that is running on this host. */
  | { readonly kind: 'live'; readonly owner: LockOwner }
  /** Left by a process on this host that is gone: safe to replace. */
  | { readonly kind: 'stale'; readonly owner: LockOwner; readonly why: string }
  /** Held on another host, or not a lock file bimt wrote: cannot be checked from here. */
  | { readonly kind: 'unverifiable'; readonly why: string };

export interface RunLock {
  /** Removes the lock if it is still this process's; safe to call more than once. */
  release(): void;
}

export function lockPath(p: RunPaths): string {
  return join(p.root, 'lock');
}

/**
 * Takes the run's lock or throws a one-line BimtError saying who holds it. A stale lock is
 * replaced, with a note on stderr. The lock is also released when the process exits normally
 * (a `process.exit` anywhere); a kill -9 leaves it stale, which the next taker detects.
 */
export function acquireRunLock(p: RunPaths): RunLock {
  const file = lockPath(p);
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    process_start: processStart(process.pid) ?? null,
    token: randomBytes(12).toString('hex'),
    since: new Date().toISOString(),
  };
  const tmp = `${file}.${owner.token}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(owner)}\n`, { flag: 'wx' });
  } catch (e) {
    throw new BimtError(`cannot lock ${p.root}: ${describeFsError(e)}`, 1);
  }
  try {
    // Three tries: a stale lock replaced, then (rarely) a race with another taker of the same stale lock.
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(tmp, file);
        return holding(file, owner.token);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new BimtError(`cannot lock ${p.root}: ${describeFsError(e)}`, 1);
      }
      const state = inspectRunLock(p);
      const held = heldRefusal(p, state);
      if (held) throw held;
      if (state.kind === 'stale' && removeStale(file, state.owner.token)) {
        process.stderr.write(`bimt: note: replaced the stale lock of ${p.root} (${state.why})\n`);
      }
    }
    throw new BimtError(`${p.root}: could not take the lock (other processes keep taking it); try again`, 1);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Refuses, in the words acquireRunLock would use, a run another process holds: `bimt train
 * --resume` asks before it loads a backend, so a second writer is turned away at once rather than
 * after seconds of start-up. (The lock itself is still taken atomically by acquireRunLock.)
 */
export function checkRunFree(p: RunPaths): void {
  const held = heldRefusal(p, inspectRunLock(p));
  if (held) throw held;
}

/** The one-line refusal for a lock that is live or cannot be checked; undefined when it may be taken. */
function heldRefusal(p: RunPaths, state: LockState): BimtError | undefined {
  if (state.kind === 'live') {
    const o = state.owner;
    return new BimtError(`${p.root}: in use by another bimt (pid ${o.pid}, since ${o.since}); wait for it to finish or stop it with kill -INT ${o.pid}`, 1);
  }
  if (state.kind === 'unverifiable') return new BimtError(`${p.root}: locked, and ${state.why}; if no bimt is writing this run, remove ${lockPath(p)}`, 1);
  return undefined;
}

/** Who holds the run's lock, if anyone, and whether that holder is still alive. */
export function inspectRunLock(p: RunPaths): LockState {
  const file = lockPath(p);
  let text: string;
  try {
    const bytes = readRegularFileIfPresent(file, 'lock file', MAX_LOCK_BYTES);
    if (bytes === undefined) return { kind: 'free' };
    text = bytes.toString('utf8');
  } catch (e) {
    return { kind: 'unverifiable', why: (e as Error).message };
  }
  const owner = parseOwner(text);
  if (!owner) return { kind: 'unverifiable', why: `${file} is not a lock file bimt wrote` };
  if (owner.host !== hostname()) return { kind: 'unverifiable', why: `the lock is held by pid ${owner.pid} on host ${owner.host}, which cannot be checked from here` };
  const why = whyDead(owner);
  return why === undefined ? { kind: 'live', owner } : { kind: 'stale', owner, why };
}

/**
 * The status `bimt ls` shows: `running` only while a process holds the lock (or one on another
 * host may); a run left `running` without a live lock was killed.
 */
export function liveStatus(p: RunPaths, meta: RunMeta): RunStatus | 'killed' {
  const lock = inspectRunLock(p).kind;
  if (lock === 'live' || (lock === 'unverifiable' && meta.status === 'running')) return 'running';
  return meta.status === 'running' ? 'killed' : meta.status;
}

function holding(file: string, token: string): RunLock {
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    try {
      if (parseOwner(readLock(file))?.token === token) unlinkSync(file);
    } catch {
      // Already gone, or the disk is unreadable: a lock left behind is detected as stale later.
    }
  };
  process.on('exit', release);
  return { release };
}

/**
 * Removes a stale lock, unless another process replaced it meanwhile: the lock is first moved
 * aside (atomic), then checked to be the stale one; a fresh lock moved by mistake is put back.
 */
function removeStale(file: string, staleToken: string): boolean {
  const aside = `${file}.stale-${randomBytes(6).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch {
    return false; // someone else removed it first
  }
  try {
    if (parseOwner(readLock(aside))?.token === staleToken) return true;
    linkSync(aside, file); // fails only if a third process took the lock in between, which then holds it
    return false;
  } catch {
    return false;
  } finally {
    rmSync(aside, { force: true });
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const r = ownerSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/** Why the lock's process is no longer alive, or undefined if it is. */
function whyDead(owner: LockOwner): string | undefined {
  if (existsSync('/proc/self/stat')) {
    const start = processStart(owner.pid);
    if (start === undefined || start === 'zombie') return `process ${owner.pid} is gone`;
    if (owner.process_start !== null && start !== owner.process_start) return `process ${owner.pid} is gone; its pid now belongs to another process`;
    return undefined;
  }
  // No /proc (macOS): a reused pid cannot be told apart; the pid alone is the best there is.
  try {
    process.kill(owner.pid, 0);
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? undefined : `process ${owner.pid} is gone`;
  }
}

/**
 * A process's identity beyond its pid: the boot and the start time (field 22 of /proc/<pid>/stat,
 * counted after the command name, which may itself hold spaces and parentheses). Undefined when
 * the process does not exist or there is no /proc; 'zombie' when it has exited but is not reaped.
 */
function processStart(pid: number): string | undefined {
  const stat = readProcFile(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z') return 'zombie';
  const boot = readProcFile('/proc/sys/kernel/random/boot_id')?.trim();
  if (boot === undefined) return undefined;
  return `${boot}:${fields[19]}`;
}
