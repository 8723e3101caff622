/**
 * `bimt train <config>` and `bimt train --resume <run>`: argument parsing only; the work is in
 * src/train/run.ts. Its modules are imported when the command runs, not when the CLI starts (see
 * main.ts), and a run of the host engine loads no tfjs backend at all: it computes without one.
 */
import { Command, InvalidArgumentError } from 'commander';
import { NO_BACKEND, selectBackend, type BackendName, type RunBackend } from '../backend.js';
import type { TrainingPlan } from '../config/plan.js';
import type { ResolvedConfig } from '../config/resolve.js';
import { BimtError } from '../errors.js';
import { checkRunName } from '../config/run-name.js';
import { checkMemory, defaultMemoryLimit, parseSize, type MemoryLimit } from '../train/memory.js';
import type { RunOutcome } from '../train/run.js';
import { catchStopSignals } from '../train/stop-signals.js';
import { backendOption } from './options.js';

interface TrainFlags {
  set: string[];
  name?: string;
  backend?: BackendName;
  runsDir?: string;
  resume?: string;
  maxMemory?: number;
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
    .option('--max-memory <size>', "refuse a config whose training needs more memory than this, e.g. 8G or 512M (default: half of this machine's memory)", parseMemory)
    .action(async (file: string | undefined, flags: TrainFlags) => {
      // First of all: a signal at any moment ends the command as interrupted (exit 130), never
      // halfway through writing the run.
      const stop = catchStopSignals();
      const [{ loadConfig }, { planTraining }, { readMetrics }, { ensureRunsDir, openRunDir }, { checkRunFree }, { buildTask }, { engineWithoutBackend }, { resumeTraining, runTraining }, { explosionWarning, summaryLines }] = await Promise.all([
        import('../config/load.js'),
        import('../config/plan.js'),
        import('../runs/metrics.js'),
        import('../runs/run-dir.js'),
        import('../runs/lock.js'),
        import('../tasks/registry.js'),
        import('../train/choose-engine.js'),
        import('../train/run.js'),
        import('../train/run-summary.js'),
      ]);
      // The host engine trains the same whatever the backend, so it loads none (unless forced).
      // This also checks the config's engine errors (train.engine, shapes).
      const planOf = (config: ResolvedConfig) => planTraining(config, buildTask(config));
      const needsBackend = (plan: TrainingPlan) => engineWithoutBackend(plan) === undefined;
      let outcome: RunOutcome;
      let totalSteps: number;
      const memory: MemoryLimit = flags.maxMemory === undefined ? defaultMemoryLimit() : { bytes: flags.maxMemory, source: '--max-memory' };
      if (flags.resume !== undefined) {
        if (file !== undefined) throw new BimtError('give either a config file or --resume <run dir>, not both');
        if (flags.set.length > 0 || flags.name || flags.runsDir) throw new BimtError('--resume continues a run as it was configured; --set, --name and --runs-dir cannot be used with it');
        const resumed = openRunDir(flags.resume);
        checkRunFree(resumed); // before seconds of loading a backend, not after
        const plan = planOf(loadConfig(resumed.config).config);
        checkMemory(plan, memory);
        const backend = await announce(needsBackend(plan), flags.backend);
        outcome = await resumeTraining(flags.resume, { backend, stop });
        totalSteps = loadConfig(outcome.paths.config).config.train.steps;
      } else {
        if (file === undefined) throw new BimtError('missing config file: bimt train <config.yaml> (or --resume <run dir>)');
        if (flags.name !== undefined) checkRunName(flags.name, '--name');
        const loaded = loadConfig(file, flags.set);
        // Everything a user can get wrong is checked before the backend line is printed.
        const plan = planOf(loaded.config);
        const needed = needsBackend(plan);
        checkMemory(plan, memory);
        ensureRunsDir(flags.runsDir ?? loaded.config.output.runs_dir);
        const backend = await announce(needed, flags.backend);
        outcome = await runTraining({
          config: loaded.config,
          name: flags.name ?? loaded.config.name,
          exactName: flags.name !== undefined,
          backend,
          stop,
          ...(flags.runsDir ? { runsDir: flags.runsDir } : {}),
          source: { file, sets: flags.set },
        });
        totalSteps = loaded.config.train.steps;
      }
      const { root } = outcome.paths;
      process.stdout.write(summaryLines({ root, status: outcome.status, stepsDone: outcome.stepsDone, totalSteps }, outcome.lastRow).map((l) => `${l}\n`).join(''));
      const warning = outcome.status === 'diverged' ? undefined : explosionWarning(readMetrics(outcome.paths.metrics));
      if (warning) process.stderr.write(`bimt: ${warning}\n`);
      if (outcome.status === 'diverged') {
        process.stderr.write('bimt: training diverged (loss is not finite); the last good checkpoint is kept\n');
        process.exitCode = 1;
      }
      if (outcome.status === 'interrupted') {
        process.stderr.write(`bimt: interrupted; continue with: bimt train --resume ${outcome.paths.root}\n`);
        process.exitCode = 130;
      }
    });
}

/** Loads the backend (a forced one even when none is needed) and says which on stderr. */
async function announce(needed: boolean, forced: BackendName | undefined): Promise<RunBackend> {
  if (!needed && !forced) {
    process.stderr.write(`bimt: backend ${NO_BACKEND.name} (the host engine computes without tfjs)\n`);
    return NO_BACKEND;
  }
  const backend = await selectBackend(forced);
  const skipped = backend.skipped.length ? ` (skipped ${backend.skipped.map((s) => s.split(':')[0]).join(', ')})` : '';
  process.stderr.write(`bimt: backend ${backend.name}${skipped}\n`);
  return backend;
}

function parseMemory(value: string): number {
  const bytes = parseSize(value);
  if (bytes === undefined) throw new InvalidArgumentError('--max-memory must be a size such as 8G, 512M or 1.5G');
  return bytes;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
