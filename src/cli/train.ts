/**
 * `bimt train <config>` and `bimt train --resume <run>`: argument parsing only; the work is in
 * src/train/train-command.ts (shared with a sweep's points) and src/train/run.ts. Its modules are imported when the command runs, not when the CLI starts (see
 * main.ts), and a run of the host engine loads no tfjs backend at all: it computes without one.
 */
import { Command, InvalidArgumentError } from 'commander';
import type { BackendName } from '../backend.js';
import { BimtError } from '../errors.js';
import { checkRunName } from '../config/run-name.js';
import { defaultMemoryLimit, parseSize, type MemoryLimit } from '../train/memory.js';
import { catchStopSignals } from '../train/stop-signals.js';
import { backendOption } from './options.js';
import { bimtPrefix } from '../util/invocation.js';

interface TrainFlags {
  set: string[];
  name?: string;
  backend?: BackendName;
  runsDir?: string;
  resume?: string;
  maxMemory?: number;
  verbose?: boolean;
}

export function trainCommand(): Command {
  return new Command('train')
    .description('train a BIMT network from a YAML config and write a run directory (or continue one with --resume)')
    .argument('[config]', 'YAML config file (see configs/)')
    .option('--set <key=value>', 'override a config key, e.g. --set train.steps=2000 (repeatable)', collect, [])
    .option('--name <name>', 'exact run directory name: letters, digits, ".", "_", "-" (default: <config name>-<timestamp>)')
    .addOption(backendOption())
    .option('--runs-dir <dir>', 'where run directories go (default: output.runs_dir of the config)')
    .option('--resume <run dir>', 'continue an interrupted run from its last checkpoint')
    .option('--verbose', 'also say why each faster backend was passed over (meta.json records it either way)')
    .option('--max-memory <size>', "refuse a config whose training needs more memory than this, e.g. 8G or 512M (default: half of this machine's memory)", parseMemory)
    .action(async (file: string | undefined, flags: TrainFlags) => {
      // First of all: a signal at any moment ends the command as interrupted (exit 130), never
      // halfway through writing the run.
      const stop = catchStopSignals();
      const [{ loadConfig }, { trainCommand: train }] = await Promise.all([import('../config/load.js'), import('../train/train-command.js')]);
      const memory: MemoryLimit = flags.maxMemory === undefined ? defaultMemoryLimit() : { bytes: flags.maxMemory, source: '--max-memory' };
      const opts = { backend: flags.backend, memory, stop, verbose: flags.verbose === true };
      if (flags.resume !== undefined) {
        if (file !== undefined) throw new BimtError('give either a config file or --resume <run dir>, not both');
        if (flags.set.length > 0 || flags.name || flags.runsDir) throw new BimtError('--resume continues a run as it was configured; --set, --name and --runs-dir cannot be used with it');
        const [{ isSweepDir, openSweep }, { launchSweep }] = await Promise.all([import('../sweep/sweep-dir.js'), import('../sweep/launch.js')]);
        if (isSweepDir(flags.resume)) {
          // A population (or any sweep): its unfinished members continue, as bimt sweep --resume does.
          const sweep = openSweep(flags.resume);
          process.exitCode = await launchSweep(sweep, { launcher: sweep.spec.launcher, wait: true });
          return;
        }
        await train({ kind: 'resume', dir: flags.resume }, opts);
        return;
      }
      if (file === undefined) throw new BimtError(`missing config file: ${bimtPrefix()} train <config.yaml> (or --resume <run dir>)`);
      if (flags.name !== undefined) checkRunName(flags.name, '--name');
      const { config, plan } = loadConfig(file, flags.set, { memory });
      const K = config.train.population ?? 1;
      if (K > 1) {
        // A population is a sweep over the seed whose points train together (docs/design.md, "Populations").
        const [{ createSweep }, { launchSweep }] = await Promise.all([import('../sweep/create.js'), import('../sweep/launch.js')]);
        const sweep = createSweep({
          file,
          sets: [...flags.set, 'train.population=1'],
          grid: [],
          seeds: `${config.seed}..${config.seed + K - 1}`,
          slurm: {},
          population: 'auto',
          word: 'population',
          ...(flags.name !== undefined ? { name: flags.name } : {}),
          ...(flags.runsDir !== undefined ? { runsDir: flags.runsDir } : {}),
          ...(flags.backend ? { backend: flags.backend } : {}),
        });
        process.exitCode = await launchSweep(sweep, { launcher: sweep.spec.launcher, wait: true });
        return;
      }
      await train(
        {
          kind: 'new',
          config,
          plan,
          name: flags.name ?? config.name,
          exactName: flags.name !== undefined,
          runsDir: flags.runsDir ?? config.output.runs_dir,
          source: { file, sets: flags.set },
        },
        opts,
      );
    });
}

function parseMemory(value: string): number {
  const bytes = parseSize(value);
  if (bytes === undefined) throw new InvalidArgumentError('--max-memory must be a size such as 8G, 512M or 1.5G');
  return bytes;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
