/**
 * How bimt was started, so that a message suggesting a next command ("continue with: ... train
 * --resume runs/x") prints one the user can paste: `npx bimt` under npx, `bimt` when a `bimt` on
 * PATH is this bimt (`npm link`), and the full `node .../bin/bimt.js` otherwise (README.md,
 * "A `bimt` command": after `npm ci` alone there is no `bimt` on PATH).
 */
import { realpathSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { terminalText } from './excerpt.js';
import { packagePath } from './package-files.js';

/**
 * The words that start bimt, as it was started: `npx bimt`, `bimt` or `node <path>/bin/bimt.js`.
 * `bimt` only when the script node ran (`argv1`) is the `bimt` that PATH finds first and is this
 * bimt; `env` and `argv1` default to this process's.
 */
export function bimtPrefix(env: NodeJS.ProcessEnv = process.env, argv1: string | undefined = process.argv[1]): string {
  if (ranUnderNpx(env)) return 'npx bimt';
  const entry = packagePath('bin/bimt.js');
  const onPath = firstOnPath('bimt', env.PATH);
  if (argv1 !== undefined && onPath !== undefined && resolve(argv1) === resolve(onPath) && sameFile(argv1, entry)) return 'bimt';
  return `node ${shellWord(entry)}`;
}

/** A bimt command line to suggest: `bimtCommand('train', '--resume', dir)` is e.g. `npx bimt train --resume runs/x`. */
export function bimtCommand(...args: readonly string[]): string {
  return [bimtPrefix(), ...args.map(shellWord)].join(' ');
}

/**
 * A word as the shell reads it back: as is when it is plain, else in single quotes, and a word
 * holding control characters (a path from a config can) in bash's $'...' with each one escaped,
 * so that the line stays pasteable and no escape sequence reaches the terminal (docs/design.md,
 * "Errors").
 *
 *     shellWord("it's")      // 'it'\''s'
 *     shellWord('a\u001bb')  // $'a\x1bb'
 */
export function shellWord(word: string): string {
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  if (terminalText(word) !== word) return `$'${terminalText(word.replaceAll('\\', '\\\\').replaceAll("'", "\\'"))}'`;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * npm 7 and later run `npx x` (and `npm exec x`) with npm_command=exec and the command line in
 * npm_lifecycle_script, its words sometimes quoted. Checking that the command was bimt keeps a
 * bimt that something else started under npx (`npx vitest`) from claiming npx.
 */
function ranUnderNpx(env: NodeJS.ProcessEnv): boolean {
  return env.npm_command === 'exec' && /^['"]?bimt['"]?(\s|$)/.test(env.npm_lifecycle_script ?? '');
}

/** The first executable file of that name in PATH's directories: what the shell runs for it. */
function firstOnPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue;
    const file = join(dir, name);
    try {
      const st = statSync(file);
      if (st.isFile() && (st.mode & 0o111) !== 0) return file;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}
