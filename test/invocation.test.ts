// Messages that suggest a next command print it as bimt was started (src/util/invocation.ts):
// `npx bimt` under npx, `bimt` when linked onto PATH, `node <path>/bin/bimt.js` otherwise; each
// way of starting is tried for real through the CLI.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { shellWord } from '../src/util/invocation.js';

const BIN = resolve('bin/bimt.js');
/** This process's environment without npm's variables (vitest itself may run under npm or npx). */
const plainEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_')));

/** The one-line usage error of `train` without a config, which names the command to run. */
function missingConfigLine(command: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd = process.cwd()): string {
  const r = spawnSync(command, [...args, 'train'], { encoding: 'utf8', env, cwd });
  expect(r.status, r.stderr).toBe(2);
  return r.stderr.trim();
}

describe('the command a message suggests', () => {
  it('is node and the full path of bin/bimt.js when bimt was started so', () => {
    expect(missingConfigLine(process.execPath, [BIN], plainEnv)).toBe(`bimt: missing config file: node ${BIN} train <config.yaml> (or --resume <run dir>)`);
  });

  it('is not npx bimt when npx started something else that started bimt (npx vitest)', () => {
    const env = { ...plainEnv, npm_command: 'exec', npm_lifecycle_script: 'vitest run' };
    expect(missingConfigLine(process.execPath, [BIN], env)).toMatch(/^bimt: missing config file: node \S+\/bin\/bimt\.js train </);
  });

  it('is npx bimt under npx', () => {
    expect(missingConfigLine('npx', ['--no-install', 'bimt'], plainEnv)).toBe('bimt: missing config file: npx bimt train <config.yaml> (or --resume <run dir>)');
  });

  it('is bimt when the bimt on PATH is this one (npm link), from any directory', () => {
    const bin = mkdtempSync(join(tmpdir(), 'bimt-linked-'));
    symlinkSync(BIN, join(bin, 'bimt'));
    const env = { ...plainEnv, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` };
    expect(missingConfigLine('bimt', [], env, tmpdir())).toBe('bimt: missing config file: bimt train <config.yaml> (or --resume <run dir>)');
    // The same file started by its path is not `bimt` from PATH.
    expect(missingConfigLine(process.execPath, [BIN], env)).toMatch(/: node \S+\/bin\/bimt\.js train </);
  });

  it('quotes a word the shell would split or expand', () => {
    expect(shellWord('runs/two-moons-20261125-034916')).toBe('runs/two-moons-20261125-034916');
    expect(shellWord("my runs/it's $HOME")).toBe(`'my runs/it'\\''s $HOME'`);
    expect(shellWord('')).toBe("''");
  });

  it('writes a word with control characters as printable text that bash reads back unchanged', () => {
    for (const word of ['runs/a\u001b]0;pwned\u0007b', "x\ny's \\n \u202e$(id)", 'tab\there\r']) {
      const quoted = shellWord(word);
      expect(quoted).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
      const back = spawnSync('bash', ['-c', `printf %s ${quoted}`], { encoding: 'utf8' });
      expect(back.stdout).toBe(word);
    }
  });
});
