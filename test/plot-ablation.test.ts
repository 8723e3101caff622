// `bimt plot --kind ablation` (docs/cli.md, "bimt ablate"): the effect matrix of ablation.csv,
// built from hand-made tables whose effects are known exactly (a loss x100 is two thirds of the
// way to full red, a class's accuracy down 50 points full red), labels escaped; then through the
// CLI on a short fig3a run: ablate, then plot, and the one-line error before ablate.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ablationSvg, effectFill } from '../src/plot/figures/ablation.js';
import { parseAblationCsv, type AblationTable } from '../src/runs/ablation-csv.js';
import { elements } from './svg-elements.js';

/** The matrix's cells as {target, output, effect, fill}, in drawing order. */
function cells(svg: string): { target: string; output: number; effect: string; fill: string }[] {
  return elements(svg, 'rect')
    .filter((r) => r['@_class'] === 'cell')
    .map((r) => ({ target: String(r['@_data-target']), output: Number(r['@_data-output']), effect: String(r['@_data-effect']), fill: String(r['@_fill']) }));
}

/** Every <text>'s content as written, entities read back (an XML parser would turn "+10" into 10). */
function texts(svg: string): string[] {
  expect(elements(svg, 'text').length).toBeGreaterThan(0);
  const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => unescape(m[1]!));
}

const LOSSES = [
  'target,mode,inputs,outputs,test_loss,test_acc,test_loss_1,test_loss_2',
  'none,,,,0.006,,0.01,0.002',
  '"mod <&""> 1",mean,x1;x2,y2,0.105,,0.01,0.2',
  'module 2,mean,x3,y1,0.0015,,0.001,0.002',
  '',
].join('\n');

const CLASSES = [
  'target,mode,inputs,outputs,test_loss,test_acc,test_acc_0,test_acc_1',
  'none,,,,0.3,0.9,1,0.8',
  'hidden1:3,zero,x1,class 0;class 1,0.9,0.7,0.5,0.9',
  '',
].join('\n');

describe('ablationSvg', () => {
  it('colours each loss cell by its ratio to the untouched loss on a log scale and writes the ratio', () => {
    const table = parseAblationCsv(LOSSES, 'ablation.csv');
    expect(table.measure).toBe('loss');
    expect(table.targets.map((r) => r.target)).toEqual(['mod <&"> 1', 'module 2']);
    const svg = ablationSvg(table, ['y1 <&">', 'y2']);
    // x1 (white), x100 (log10 100 / log10 1000 = 2/3 red), x0.1 (a third of the way to blue), x1.
    expect(cells(svg)).toEqual([
      { target: 'mod <&"> 1', output: 0, effect: '0', fill: '#ffffff' },
      { target: 'mod <&"> 1', output: 1, effect: '0.6667', fill: effectFill(2 / 3) },
      { target: 'module 2', output: 0, effect: '-0.3333', fill: effectFill(-1 / 3) },
      { target: 'module 2', output: 1, effect: '0', fill: '#ffffff' },
    ]);
    expect(effectFill(2 / 3)).toMatch(/^#(e|d|f)/); // red: the red channel leads
    expect(effectFill(-1 / 3).slice(5, 7) > effectFill(-1 / 3).slice(1, 3)).toBe(true); // blue: the blue channel leads
    const t = texts(svg);
    for (const s of ['×1', '×100', '×0.1', 'mod <&"> 1: x1, x2 → y2', 'module 2: x3 → y1', 'y1 <&">', 'y2', 'untouched', '10⁻²', '2·10⁻³']) expect(t).toContain(s);
    // Escaped in the markup, never raw.
    expect(svg).not.toContain('<&');
    expect(svg).toContain('mod &lt;&amp;');
  });

  it('colours each class cell by the change in its accuracy, in points', () => {
    const table = parseAblationCsv(CLASSES, 'ablation.csv');
    expect(table.measure).toBe('accuracy');
    const svg = ablationSvg(table, ['class 0', 'class 1']);
    // 1 -> 0.5 is 50 points down (full red); 0.8 -> 0.9 is 10 up (a fifth of the way to blue).
    expect(cells(svg).map((c) => [c.effect, c.fill])).toEqual([
      ['1', effectFill(1)],
      ['-0.2', effectFill(-0.2)],
    ]);
    const t = texts(svg);
    expect(t).toContain('−50');
    expect(t).toContain('+10');
    expect(t).toContain('100%');
    expect(t).toContain('80%');
  });

  it('a malformed table is one line naming the file and line', () => {
    expect(() => parseAblationCsv(LOSSES.replace('0.105', 'abc'), 'a.csv')).toThrow(/^a\.csv:3: test_loss "abc" is not a number$/);
    expect(() => parseAblationCsv('step,lambda\n1,2\n', 'a.csv')).toThrow(/^a\.csv:1: expected the header/);
    expect(() => parseAblationCsv(LOSSES.replace('0.006,,', '0.006,'), 'a.csv')).toThrow(/^a\.csv: not a CSV table: .*line 2/);
    expect(() => parseAblationCsv(LOSSES.split('\n').filter((l) => !l.startsWith('none')).join('\n'), 'a.csv')).toThrow(/^a\.csv:2: expected the untouched network's row, none, first$/);
  });
});

const bimt = (...a: string[]) => spawnSync(process.execPath, ['bin/bimt.js', ...a], { encoding: 'utf8' });

describe('bimt plot --kind ablation (command line)', () => {
  const runs = mkdtempSync(join(tmpdir(), 'bimt-plot-ablation-'));
  const run = join(runs, 'fig3a');
  const svgFile = join(run, 'plots', 'ablation.svg');

  beforeAll(() => {
    const r = bimt('train', 'configs/paper/fig3a.yaml', '--set', 'train.steps=200', '--set', 'output.checkpoint_every=200', '--runs-dir', runs, '--name', 'fig3a');
    expect(r.status, r.stderr).toBe(0);
  }, 60_000);

  it('before bimt ablate: --kind ablation is one line saying to run it, and all leaves it out', () => {
    const r = bimt('plot', run, '--kind', 'ablation');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`bimt: ${join(run, 'ablation.csv')}: no ablation table; run bimt ablate first\n`);
    const all = bimt('plot', run);
    expect(all.status, all.stderr).toBe(0);
    expect(existsSync(svgFile)).toBe(false);
  });

  it('after bimt ablate --each module: plots/ablation.svg, a cell per module and output, named by the outputs', () => {
    const a = bimt('ablate', run, '--each', 'module');
    expect(a.status, a.stderr).toBe(0);
    const table: AblationTable = parseAblationCsv(readFileSync(join(run, 'ablation.csv'), 'utf8'), 'ablation.csv');
    const r = bimt('plot', run);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`wrote ${svgFile}\n`);
    const svg = readFileSync(svgFile, 'utf8');
    expect(cells(svg)).toHaveLength(table.targets.length * 2);
    expect(table.targets.length).toBeGreaterThan(0);
    const t = texts(svg);
    expect(t).toContain('(x1+x3)^3');
    expect(t).toContain('x2^2+sin(pi*x4)');
    expect(t.some((s) => s.startsWith('module 1: '))).toBe(true);
  });

  it('a table of another task (three outputs for fig3a\'s two) is one line naming the file', () => {
    const file = join(run, 'ablation.csv');
    writeFileSync(file, 'target,mode,inputs,outputs,test_loss,test_acc,test_loss_1,test_loss_2,test_loss_3\nnone,,,,1,,1,1,1\n');
    const r = bimt('plot', run, '--kind', 'ablation');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`bimt: ${file}: 3 per-output columns, but the run's task has 2 outputs\n`);
  });
});
