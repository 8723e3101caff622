/**
 * `bimt sweep --cancel`: stops what is running a sweep. A Slurm job is cancelled with scancel,
 * whose SIGTERM each running point catches to checkpoint (Slurm kills it after its KillWait); a
 * local launcher gets SIGINT, as from Ctrl-C, and stops its points the same way. Either way the
 * points are left `interrupted`, and `--resume` continues them. A launcher is signalled only
 * while its recorded pid still belongs to it (launcher.json holds its start time, as the run lock
 * does): a pid reused after a kill -9 or a reboot is left alone.
 */
import { BimtError } from '../errors.js';
import { hasProc } from '../runs/lock.js';
import { cancelSlurm, queuedTasks } from './slurm.js';
import { liveLocalLauncher, readLauncherRecord, type Sweep } from './sweep-dir.js';
import { bimtCommand } from '../util/invocation.js';

/** Cancels and returns what it did, in a line. */
export function cancelSweep(sweep: Sweep): string {
  const record = readLauncherRecord(sweep.paths);
  if (record?.kind === 'slurm') {
    const queued = queuedTasks(record.job)?.size;
    if (queued === undefined) throw new BimtError(`squeue cannot be run here: cancel Slurm job ${record.job} where Slurm's commands are (scancel ${record.job})`, 1);
    if (queued === 0) return `Slurm job ${record.job} has no task left to cancel`;
    cancelSlurm(record.job);
    return `cancelled Slurm job ${record.job} (${queued} task(s) queued or running; running points save a checkpoint); continue with: ${bimtCommand('sweep', '--resume', sweep.paths.root)}`;
  }
  const live = liveLocalLauncher(sweep.paths);
  if (!live) throw new BimtError(`${sweep.paths.root}: nothing is running this sweep${record?.kind === 'local' ? ` (its launcher, pid ${record.pid} on ${record.host}, has ended)` : ''}`, 1);
  // A record of an older bimt has no start time: its pid may be another process's by now, and
  // a signal to a stranger is worse than a line asking the user to look (docs/run-directory.md,
  // "Sweep directory").
  if (!live.verified && hasProc()) {
    throw new BimtError(`${sweep.paths.root}: launcher.json (written by an older bimt) names pid ${live.pid} without its start time, so it may now be another process; if ps -p ${live.pid} shows bimt sweep, stop it with kill -INT ${live.pid}`, 1);
  }
  process.kill(live.pid, 'SIGINT');
  return `sent SIGINT to the sweep's launcher (pid ${live.pid}); running points save a checkpoint; continue with: ${bimtCommand('sweep', '--resume', sweep.paths.root)}`;
}
