/**
 * `bimt view <run dir | sweep dir>`: argument parsing only; the page is made by src/view/,
 * imported when the command runs (see main.ts).
 */
import { spawn } from 'node:child_process';
import { Command } from 'commander';
import { selectBackend } from '../backend.js';
import { backendOption, SYNC_READS } from './options.js';
import { terminalText } from '../util/excerpt.js';

interface ViewFlags {
  out?: string;
  open?: boolean;
  backend?: Parameters<typeof selectBackend>[0];
}

export function viewCommand(): Command {
  return new Command('view')
    .description('write one self-contained HTML page of a run (every checkpoint, pruning slider, curves) or of a sweep (compare table and plot)')
    .argument('<target>', 'a run directory, or a directory holding runs (a sweep)')
    .option('--out <file.html>', 'write the page here instead of <target>/view.html')
    .option('--open', 'open the page in the desktop browser once written')
    .addOption(backendOption(SYNC_READS))
    .action(async (target: string, flags: ViewFlags) => {
      const { writeView } = await import('../view/write.js');
      await selectBackend(flags.backend, SYNC_READS);
      const [page, ...others] = writeView(target, (line) => process.stderr.write(`bimt: ${terminalText(line)}\n`), flags.out);
      if (others.length > 0) process.stdout.write(`wrote ${others.length} run page${others.length > 1 ? 's' : ''} beside their runs\n`);
      process.stdout.write(`${page}\n`);
      if (flags.open) {
        const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
        spawn(opener, [page], { stdio: 'ignore', detached: true }).on('error', () => process.stderr.write(`could not run ${opener}; open ${page} in a browser\n`)).unref();
      }
    });
}
