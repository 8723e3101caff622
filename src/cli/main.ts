/**
 * The `bimt` command: commander wiring only. Each command lives in its own file; user errors
 * (BimtError) print one line and exit 2 (usage) or 1 (failure), without a stack unless --debug.
 */
import { Command } from 'commander';
import { BimtError } from '../errors.js';
import { VERSION } from '../version.js';
import { lsCommand } from './ls.js';
import { plotCommand } from './plot.js';
import { pruneCommand } from './prune.js';
import { reproduceCommand } from './reproduce.js';
import { trainCommand } from './train.js';

export function buildProgram(): Command {
  const program = new Command('bimt')
    .description('Brain-Inspired Modular Training: train, prune, plot and reproduce BIMT networks')
    .version(VERSION)
    .option('--debug', 'show stack traces of errors')
    .showHelpAfterError()
    .configureOutput({ outputError: (s, write) => write(s) });
  program.addCommand(trainCommand());
  program.addCommand(pruneCommand());
  program.addCommand(plotCommand());
  program.addCommand(lsCommand());
  program.addCommand(reproduceCommand());
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

function reportError(e: unknown, debug: boolean): number {
  if (isCommanderExit(e)) return e.exitCode === 0 ? 0 : 2;
  if (e instanceof BimtError) {
    process.stderr.write(`bimt: ${e.message}\n`);
    if (debug) process.stderr.write(`${e.stack}\n`);
    return e.exitCode;
  }
  process.stderr.write(`bimt: internal error: ${e instanceof Error ? (debug ? e.stack : e.message) : String(e)}\n`);
  if (!debug) process.stderr.write('(run again with --debug for the stack trace)\n');
  return 1;
}

function isCommanderExit(e: unknown): e is { exitCode: number; code: string } {
  return typeof e === 'object' && e !== null && 'code' in e && String((e as { code: unknown }).code).startsWith('commander.');
}
