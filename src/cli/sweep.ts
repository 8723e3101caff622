/**
 * `bimt sweep <config> --grid key=v1,v2 --seeds 0..3`, `--resume`, `--status`, `--cancel`, and the
 * hidden `bimt sweep-point` that launchers start for each point: argument parsing only; the work
 * is in src/sweep/ (docs/design.md, "Sweeps"), imported when the command runs.
 */
import { availableParallelism } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { BackendName } from '../backend.js';
import { BimtError } from '../errors.js';
import { catchStopSignals } from '../train/stop-signals.js';
import { backendOption } from './options.js';
import { bimtPrefix } from '../util/invocation.js';

interface SweepFlags {
  grid: string[];
  seeds?: string;
  set: string[];
  name?: string;
  runsDir?: string;
  launcher?: 'local' | 'slurm';
  jobs?: number;
  partition?: string;
  time?: string;
  cpusPerTask?: number;
  throttle?: number;
  sbatchArg: string[];
  wait: boolean;
  backend?: BackendName;
  population?: true | string;
  resume?: string;
  status?: string;
  cancel?: string;
}

export function sweepCommand(): Command {
  return new Command('sweep')
    .description('train a grid of runs (config keys x seeds) on this machine or on a Slurm cluster, into one sweep directory')
    .argument('[config]', 'YAML config file; its sweep: section may hold the grid, seeds and launcher (docs/cli.md, "bimt sweep")')
    .option('--grid <key=v1,v2,...>', 'sweep a config key over values (YAML, comma-separated), e.g. --grid lambda.initial=1e-4,1e-3 (repeatable; the points are the cross product)', collect, [])
    .option('--seeds <seeds>', 'sweep the master seed: 0..7, 0,3,5 or 4; task and model seeds follow it unless the grid sets them')
    .option('--set <key=value>', 'override a config key for every point (repeatable)', collect, [])
    .option('--name <name>', 'exact sweep directory name (default: <config name>-sweep-<timestamp>)')
    .option('--runs-dir <dir>', 'where the sweep directory goes (default: output.runs_dir of the config)')
    .addOption(new Option('--launcher <kind>', 'where the points run (default: local, or the sweep: section\'s)').choices(['local', 'slurm']))
    .option('--jobs <n>', `local: points at once (default: the number of cores, ${availableParallelism()} here)`, positiveInt('--jobs'))
    .option('--partition <name>', 'slurm: sbatch --partition')
    .option('--time <limit>', 'slurm: sbatch --time per point, e.g. 1:00:00')
    .option('--cpus-per-task <n>', 'slurm: sbatch --cpus-per-task [1]', positiveInt('--cpus-per-task'))
    .option('--throttle <n>', 'slurm: at most this many points at once (sbatch --array=...%n)', positiveInt('--throttle'))
    .option('--sbatch-arg <arg>', 'slurm: one more sbatch argument, e.g. --sbatch-arg=--account=lab (repeatable)', collect, [])
    .option('--no-wait', 'slurm: return once the job is submitted instead of following it')
    .option('--population [when]', 'train the points in this process, those of one shape as one batched computation: auto (the default) batches on a GPU backend and trains one by one on a CPU one; always batches on any backend')
    .addOption(backendOption())
    .option('--resume <sweep dir>', 'run the points of a sweep that have not finished: interrupted ones continue from their checkpoint, failed ones start again')
    .option('--status <sweep dir>', 'list the points of a sweep: state, steps, newest test metric, what went wrong')
    .option('--cancel <sweep dir>', 'stop a running sweep: its Slurm job (scancel) or its local launcher (each point saves a checkpoint)')
    .action(async (file: string | undefined, flags: SweepFlags) => {
      const modes = (['resume', 'status', 'cancel'] as const).filter((m) => flags[m] !== undefined);
      if (modes.length > 1) throw new BimtError(`give one of --${modes.join(', --')}`);
      const mode = modes[0];
      if (mode && file !== undefined) throw new BimtError(`--${mode} works on an existing sweep directory; leave out the config file`);
      const creating = [flags.grid.length && '--grid', flags.seeds && '--seeds', flags.set.length && '--set', flags.name && '--name', flags.runsDir && '--runs-dir'].filter(Boolean);
      if (mode && creating.length > 0) throw new BimtError(`--${mode} uses the sweep as it was made; ${creating.join(', ')} cannot be used with it`);
      const [{ openSweep }, { launchSweep, resumeLauncher }] = await Promise.all([import('../sweep/sweep-dir.js'), import('../sweep/launch.js')]);

      if (mode === 'status') {
        const { describeLauncher, statusTable, pointStatuses } = await import('../sweep/status.js');
        const sweep = openSweep(flags.status!);
        process.stdout.write(`${describeLauncher(sweep)}\n${statusTable(pointStatuses(sweep))}`);
        return;
      }
      if (mode === 'cancel') {
        const { cancelSweep } = await import('../sweep/cancel.js');
        process.stdout.write(`${cancelSweep(openSweep(flags.cancel!))}\n`);
        return;
      }
      const slurm = {
        ...(flags.partition !== undefined ? { partition: flags.partition } : {}),
        ...(flags.time !== undefined ? { time: flags.time } : {}),
        ...(flags.cpusPerTask !== undefined ? { cpus_per_task: flags.cpusPerTask } : {}),
        ...(flags.throttle !== undefined ? { throttle: flags.throttle } : {}),
        ...(flags.sbatchArg.length > 0 ? { args: flags.sbatchArg } : {}),
      };
      const population = batchWhen(flags.population);
      if (population && flags.launcher) throw new BimtError(`--population is a launcher of its own; leave out --launcher ${flags.launcher}`);
      if (mode === 'resume') {
        const sweep = openSweep(flags.resume!);
        // The launcher as recorded, or another one now (a sweep begun on Slurm may finish here).
        const recorded = sweep.spec.launcher;
        const kind = population ? 'population' : (flags.launcher ?? recorded.kind);
        process.exitCode = await launchSweep(sweep, { launcher: resumeLauncher(recorded, kind, flags.jobs, slurm, population), wait: flags.wait });
        return;
      }
      if (file === undefined) throw new BimtError(`missing config file: ${bimtPrefix()} sweep <config.yaml> --grid key=v1,v2 (or --resume, --status, --cancel <sweep dir>)`);
      const { createSweep } = await import('../sweep/create.js');
      const sweep = createSweep({
        file,
        sets: flags.set,
        grid: flags.grid,
        ...(flags.seeds !== undefined ? { seeds: flags.seeds } : {}),
        ...(flags.launcher ? { launcher: flags.launcher } : {}),
        ...(flags.jobs !== undefined ? { jobs: flags.jobs } : {}),
        slurm,
        ...(flags.name !== undefined ? { name: flags.name } : {}),
        ...(flags.runsDir !== undefined ? { runsDir: flags.runsDir } : {}),
        ...(flags.backend ? { backend: flags.backend } : {}),
        ...(population ? { population } : {}),
      });
      process.exitCode = await launchSweep(sweep, { launcher: sweep.spec.launcher, wait: flags.wait });
    });
}

/** `bimt sweep-point <sweep dir> <index>`: what a launcher runs for one point (not for people). */
export function sweepPointCommand(): Command {
  return new Command('sweep-point')
    .description("run one point of a sweep (started by bimt sweep's launchers)")
    .argument('<sweep dir>', 'the sweep directory')
    .argument('<index>', 'the point (its Slurm array task id)', nonNegativeInt('<index>'))
    .action(async (dir: string, index: number) => {
      const stop = catchStopSignals();
      const { runPoint } = await import('../sweep/point.js');
      const job = process.env.SLURM_ARRAY_JOB_ID;
      await runPoint(dir, index, { stop, ...(job ? { slurm: { job, task: index } } : {}) });
    });
}

/** `--population` alone is auto. */
function batchWhen(flag: true | string | undefined): 'auto' | 'always' | undefined {
  if (flag === undefined) return undefined;
  if (flag === true) return 'auto';
  if (flag === 'auto' || flag === 'always') return flag;
  throw new BimtError(`--population ${flag}: expected auto (batch on a GPU backend) or always (batch on any backend)`);
}

function positiveInt(name: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`${name} must be a whole number >= 1`);
    return Number(value);
  };
}

function nonNegativeInt(name: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number >= 0`);
    return Number(value);
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
