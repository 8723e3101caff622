/** `bimt train <config>`: argument parsing only; the work is in src/train/run.ts. */
import { Command } from 'commander';
import { selectBackend, type BackendName } from '../backend.js';
import { loadConfig } from '../config/load.js';
import { summary } from '../train/progress.js';
import { runTraining } from '../train/run.js';
import { backendOption } from './options.js';

interface TrainFlags {
  set: string[];
  name?: string;
  backend?: BackendName;
  runsDir?: string;
}

export function trainCommand(): Command {
  return new Command('train')
    .description('train a BIMT network from a YAML config and write a run directory')
    .argument('<config>', 'YAML config file (see configs/)')
    .option('--set <key=value>', 'override a config key, e.g. --set train.steps=2000 (repeatable)', collect, [])
    .option('--name <name>', 'exact run directory name (default: <config name>-<timestamp>)')
    .addOption(backendOption())
    .option('--runs-dir <dir>', 'where run directories go (default: output.runs_dir of the config)')
    .action(async (file: string, flags: TrainFlags) => {
      const loaded = loadConfig(file, flags.set);
      const backend = await selectBackend(flags.backend);
      process.stderr.write(`bimt: backend ${backend.name}${backend.skipped.length ? ` (skipped ${backend.skipped.map((s) => s.split(':')[0]).join(', ')})` : ''}\n`);
      const outcome = await runTraining({
        config: loaded.config,
        name: flags.name ?? loaded.config.name,
        exactName: flags.name !== undefined,
        backend,
        ...(flags.runsDir ? { runsDir: flags.runsDir } : {}),
      });
      const last = outcome.lastRow ? summary(outcome.lastRow) : 'no metrics';
      process.stdout.write(`${outcome.status}: ${outcome.paths.root}\n  step ${outcome.lastRow?.step ?? 0}: ${last}\n`);
      if (outcome.status === 'diverged') {
        process.stderr.write('bimt: training diverged (loss is not finite); the last good checkpoint is kept\n');
        process.exitCode = 1;
      }
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
