/**
 * `bimt view` from the command line (docs/design.md, "View"), with no browser: what it writes
 * and where. A sweep directory may hold symbolic links; the pages go only inside the directory
 * given, and a run reached through a link to elsewhere is skipped with one line saying so.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBimt } from './cli-run.js';

/** Every file under `dir` with its size and modification time, to tell that nothing was written there. */
function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .sort()
    .map((f) => {
      const st = statSync(join(dir, f));
      return `${f} ${st.size} ${st.mtimeMs}`;
    });
}

describe('bimt view (command line)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bimt-view-cli-'));
  const outside = join(dir, 'outside');
  const run = join(outside, 'run');

  beforeAll(async () => {
    const r = await runBimt(['train', 'configs/two-moons.yaml', '--set', 'train.steps=200', '--set', 'output.checkpoint_every=100', '--runs-dir', outside, '--name', 'run']);
    expect(r.status, r.stderr).toBe(0);
  }, 120_000);

  it('writes nothing outside a sweep directory whose runs are symbolic links to elsewhere', async () => {
    const sweep = join(dir, 'sweep');
    mkdirSync(sweep);
    cpSync(run, join(sweep, 'p1'), { recursive: true });
    symlinkSync(run, join(sweep, 'p2'));
    symlinkSync(outside, join(sweep, 'more')); // a link to a folder holding runs
    writeFileSync(join(outside, 'page.html'), 'not a bimt page\n');
    const before = listing(outside);

    const r = await runBimt(['view', sweep]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').pop()).toBe(join(sweep, 'view.html'));
    expect(listing(outside)).toEqual(before);
    expect(readFileSync(join(outside, 'page.html'), 'utf8')).toBe('not a bimt page\n');
    expect(existsSync(join(run, 'view.html'))).toBe(false);
    // The run inside has its page; a run reached through a link is named once as skipped, under
    // the first path that reaches it (the walk goes by real path, so p2, a second way to the same
    // run, is not walked again).
    expect(existsSync(join(sweep, 'p1', 'view.html'))).toBe(true);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual([`bimt: ${join(sweep, 'more', 'run')}: skipped, a symbolic link to ${run}, outside ${sweep}`]);
    // The sweep's page lists only the run inside.
    const page = readFileSync(join(sweep, 'view.html'), 'utf8');
    expect(page).toContain('"links":["./p1/view.html"]');

    // A page's own name linked to a file elsewhere is refused in one line, not written through.
    rmSync(join(sweep, 'view.html'));
    symlinkSync(join(outside, 'page.html'), join(sweep, 'view.html'));
    const again = await runBimt(['view', sweep]);
    expect(again.status).toBe(2);
    expect(again.stderr.trim().split('\n').pop()).toMatch(/^bimt: cannot write .*view\.html: it is a symbolic link/);
    expect(listing(outside)).toEqual(before);
    expect(readFileSync(join(outside, 'page.html'), 'utf8')).toBe('not a bimt page\n');
  }, 120_000);
});
