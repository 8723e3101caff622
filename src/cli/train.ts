/** `bimt train <config>` and `bimt train --resume <run>`: argument parsing only; the work is in src/train/run.ts. */
import { Command } from 'commander';
import { selectBackend, type BackendName } from '../backend.js';
import { loadConfig } from '../config/load.js';
import { BimtError } from '../errors.js';
import { ensureRunsDir } from '../runs/run-dir.js';
import { buildTask } from '../tasks/registry.js';
import { validateEngine } from '../train/engine.js';
import { summary } from '../train/progress.js';
import { resumeTraining, runTraining, type RunOutcome } from '../train/run.js';
import { catchStopSignals } from '../train/stop-signals.js';
import { backendOption } from './options.js';

interface TrainFlags {
  set: string[];
  name?: string;
  backend?: BackendName;
  runsDir?: string;
  resume?: string;
}

export function trainCommand(): Command {
  return new Command('train')
    .description('train a BIMT network from a YAML config and write a run directory (or continue one with --resume)')
    .argument('[config]', 'YAML config file (see configs/)')
    .option('--set <key=value>', 'override a config key, e.g. --set train.steps=2000 (repeatable)', collect, [])
    .option('--name <name>', 'exact run directory name (default: <config name>-<timestamp>)')
    .addOption(backendOption())
    .option('--runs-dir <dir>', 'where run directories go (default: output.runs_dir of the config)')
    .option('--resume <run dir>', 'continue an interrupted run from its last checkpoint')
    .action(async (file: string | undefined, flags: TrainFlags) => {
      // First of all: a signal at any moment ends the command as interrupted (exit 130), never
      // halfway through writing the run.
      const stop = catchStopSignals();
      let outcome: RunOutcome;
      if (flags.resume !== undefined) {
        if (file !== undefined) throw new BimtError('give either a config file or --resume <run dir>, not both');
        if (flags.set.length > 0 || flags.name || flags.runsDir) throw new BimtError('--resume continues a run as it was configured; --set, --name and --runs-dir cannot be used with it');
        const backend = await announce(flags.backend);
        outcome = await resumeTraining(flags.resume, { backend, stop });
      } else {
        if (file === undefined) throw new BimtError('missing config file: bimt train <config.yaml> (or --resume <run dir>)');
        const loaded = loadConfig(file, flags.set);
        // Everything a user can get wrong is checked before the backend line is printed.
        validateEngine(loaded.config, buildTask(loaded.config));
        ensureRunsDir(flags.runsDir ?? loaded.config.output.runs_dir);
        const backend = await announce(flags.backend);
        outcome = await runTraining({
          config: loaded.config,
          name: flags.name ?? loaded.config.name,
          exactName: flags.name !== undefined,
          backend,
          stop,
          ...(flags.runsDir ? { runsDir: flags.runsDir } : {}),
        });
      }
      const last = outcome.lastRow ? summary(outcome.lastRow) : 'no metrics';
      process.stdout.write(`${outcome.status}: ${outcome.paths.root}\n  step ${outcome.lastRow?.step ?? 0}: ${last}\n`);
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

async function announce(forced: BackendName | undefined) {
  const backend = await selectBackend(forced);
  const skipped = backend.skipped.length ? ` (skipped ${backend.skipped.map((s) => s.split(':')[0]).join(', ')})` : '';
  process.stderr.write(`bimt: backend ${backend.name}${skipped}\n`);
  return backend;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
