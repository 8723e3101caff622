/**
 * The `bimt` command: commander wiring only. Each command lives in its own file; user errors
 * (BimtError) print one line and exit 2 (usage) or 1 (failure), without a stack unless --debug.
 * The command files define options only and import their work (tfjs, plotting) when they run, so
 * that `bimt --help` answers at once and a run loads only what it uses.
 */
import { Command } from 'commander';
import { BimtError } from '../errors.js';
import { terminalText } from '../util/excerpt.js';
import { closest } from '../util/closest.js';
import { VERSION } from '../version.js';
import { ablateCommand } from './ablate.js';
import { compareCommand } from './compare.js';
import { evalCommand } from './eval.js';
import { lsCommand } from './ls.js';
import { plotCommand } from './plot.js';
import { pruneCommand } from './prune.js';
import { reproduceCommand } from './reproduce.js';
import { sweepCommand, sweepPointCommand } from './sweep.js';
import { trainCommand } from './train.js';
import { viewCommand } from './view.js';

export function buildProgram(): Command {
  const program = new Command('bimt')
    .description('Brain-Inspired Modular Training: train, prune, evaluate, plot and reproduce BIMT networks')
    .version(VERSION)
    .option('--debug', 'show stack traces of errors')
    .showHelpAfterError()
    .configureOutput({ outputError: (s, write) => write(s) });
  const commands = [trainCommand(), pruneCommand(), evalCommand(), ablateCommand(), plotCommand(), lsCommand(), reproduceCommand(), sweepCommand(), compareCommand(), viewCommand()];
  for (const c of commands) program.addCommand(c);
  // What a launcher runs for one point of a sweep: not for people, so not in the help.
  program.addCommand(sweepPointCommand(), { hidden: true });
  // An unknown command is one line naming the closest one, not the whole usage.
  program.on('command:*', ([name]: string[]) => {
    throw new BimtError(`unknown command '${name}' (${closestCommand(name, [...commands.map((c) => c.name()), 'help'])})`);
  });
  // Commander's own usage errors (unknown option, missing argument) exit 2 like ours.
  program.exitOverride();
  for (const c of program.commands) c.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    // Commands report non-error outcomes (diverged: 1, interrupted: 130) through process.exitCode.
    return Number(process.exitCode ?? 0);
  } catch (e) {
    return reportError(e, argv.includes('--debug'));
  }
}

/** "did you mean X?" for the command within two edits (or the one it begins), else the list. */
function closestCommand(name: string, commands: readonly string[]): string {
  const best = closest(name, commands);
  return best !== undefined ? `did you mean ${best}?` : `commands: ${commands.join(', ')}`;
}

function reportError(e: unknown, debug: boolean): number {
  if (isCommanderExit(e)) return e.exitCode === 0 ? 0 : 2;
  if (e instanceof BimtError) {
    process.stderr.write(`bimt: ${terminalText(e.message)}\n`);
    if (debug) process.stderr.write(`${e.stack}\n`);
    return e.exitCode;
  }
  process.stderr.write(`bimt: internal error: ${e instanceof Error ? (debug ? e.stack : terminalText(e.message)) : terminalText(String(e))}\n`);
  if (!debug) process.stderr.write('(run again with --debug for the stack trace)\n');
  return 1;
}

function isCommanderExit(e: unknown): e is { exitCode: number; code: string } {
  return typeof e === 'object' && e !== null && 'code' in e && String((e as { code: unknown }).code).startsWith('commander.');
}
