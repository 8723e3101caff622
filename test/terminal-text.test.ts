// Text from files reaches the terminal with its control characters escaped (issue 25, item 5): a
// run directory's name, meta.json's fields, config.yaml's values and a config's keys could
// otherwise clear the screen, set the window's title or hide what follows. Through the CLI.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { terminalText } from '../src/util/excerpt.js';

const bimt = (...a: string[]) => spawnSync(process.execPath, ['bin/bimt.js', ...a], { encoding: 'utf8' });
const runs = mkdtempSync(join(tmpdir(), 'bimt-terminal-text-'));
const ESC = '\u001b';
/** Clear the screen, set the title (OSC ... BEL), a C1 CSI, and a right-to-left override. */
const EVIL = `${ESC}[2J${ESC}]0;owned\u0007\u009b31m\u202e`;
const SHOWN = '\\x1b[2J\\x1b]0;owned\\x07\\x9b31m\\u202e';

/** No control character but the newlines ending lines. */
const expectClean = (text: string) => expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);

describe('terminalText', () => {
  it('escapes control characters, C1 controls and bidirectional overrides, and leaves other text as it is', () => {
    expect(terminalText(EVIL)).toBe(SHOWN);
    expect(terminalText('a\nb\tc\rd\u0000\u007f')).toBe('a\\nb\\tc\\rd\\x00\\x7f');
    expect(terminalText('λ = 0.01 · µ ✓ 模块')).toBe('λ = 0.01 · µ ✓ 模块');
  });
});

describe('through the CLI', () => {
  let run: string;
  beforeAll(() => {
    const r = bimt('train', 'configs/two-moons.yaml', '--set', 'train.steps=20', '--set', 'lambda.changes=[]', '--set', 'output.checkpoint_every=10', '--runs-dir', runs, '--name', 'plain');
    expect(r.status, r.stderr).toBe(0);
    run = join(runs, 'plain');
  });

  it("bimt ls: a run's directory name and meta.json's fields", () => {
    const dir = mkdtempSync(join(tmpdir(), 'bimt-terminal-ls-'));
    const copy = join(dir, `run${EVIL}`);
    cpSync(run, copy, { recursive: true });
    const meta = JSON.parse(readFileSync(join(copy, 'meta.json'), 'utf8'));
    meta.task = `two-moons${EVIL}`;
    writeFileSync(join(copy, 'meta.json'), JSON.stringify(meta));
    // A second run whose meta.json is unreadable: its reason, on stderr, names the directory.
    const broken = join(dir, `broken${EVIL}`);
    cpSync(run, broken, { recursive: true });
    writeFileSync(join(broken, 'meta.json'), '{');
    const r = bimt('ls', dir);
    expect(r.status, r.stderr).toBe(0);
    expectClean(r.stdout);
    expectClean(r.stderr);
    expect(r.stdout).toContain(`run${SHOWN}`);
    expect(r.stdout).toContain(`two-moons${SHOWN}`);
    expect(r.stdout).toContain(`broken${SHOWN}  unreadable`);
    expect(r.stderr).toContain(`broken${SHOWN}`);
  });

  it("bimt compare: config.yaml's values and the runs' names, as text, Markdown and CSV", () => {
    const dir = mkdtempSync(join(tmpdir(), 'bimt-terminal-compare-'));
    for (const name of ['a', 'b']) cpSync(run, join(dir, name), { recursive: true });
    const config = join(dir, 'b', 'config.yaml');
    writeFileSync(config, readFileSync(config, 'utf8').replace(/^(\s+kind: two-moons)$/m, `$1\n  note: ${JSON.stringify(`x${EVIL}`)}`));
    renameSync(join(dir, 'b'), join(dir, `b${EVIL}`));
    for (const format of [[], ['--markdown'], ['--csv']]) {
      const r = bimt('compare', dir, ...format);
      expect(r.status, r.stderr).toBe(0);
      expectClean(r.stdout);
      expect(r.stdout).toContain(`b${SHOWN}`);
      expect(r.stdout).toContain(`x${SHOWN}`);
    }
  });

  it("an error message quoting a config's key", () => {
    const moons = readFileSync('configs/two-moons.yaml', 'utf8');
    const file = join(runs, 'evil.yaml');
    writeFileSync(file, moons.replace('  top_k: 10', `  top_k: 10\n  ${JSON.stringify(`k${EVIL}`)}: 1`));
    const r = bimt('train', file, '--runs-dir', runs);
    expect(r.status).toBe(2);
    expectClean(r.stderr);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    // The key is quoted as JSON quotes it (\u001b), and what JSON leaves (C1, U+202E) is escaped after.
    expect(r.stderr).toContain('swap."k\\u001b[2J\\u001b]0;owned\\u0007\\x9b31m\\u202e": unknown key');
  });
});
