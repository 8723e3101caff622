// `bimt reproduce` run as a user outside the bimt folder would: by the full path of bin/bimt.js
// from another working directory, twice into one --out. Two cheap figures (fig4, fig3a: a few
// seconds of training each).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { saveRecord, writeReport } from '../src/reproduce/report.js';

const BIN = resolve('bin/bimt.js');
const cwd = mkdtempSync(join(tmpdir(), 'bimt-reproduce-'));
const bimt = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });

/** `bimt reproduce ...args`, sent Ctrl-C once training has made progress (its plain progress lines). */
async function interruptOnceTraining(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'reproduce', ...args], { cwd });
  let stderr = '';
  let pressed = false;
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (!pressed && /^step \d+\/20000/m.test(stderr)) {
      pressed = true;
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((done) => child.on('close', done));
  return { code, stderr };
}

describe('bimt reproduce --out', () => {
  it('works from any directory, keeps earlier figures in REPORT.md and refuses a figure already there', () => {
    const first = bimt('reproduce', 'fig4', '--out', 'out');
    expect(first.stderr).not.toMatch(/no such config file/);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/report: out\/REPORT\.md/);

    const second = bimt('reproduce', 'fig3a', '--out', 'out');
    expect(second.status).not.toBe(2);
    expect(second.stdout).toMatch(/^fig3a /m);
    expect(second.stdout).not.toMatch(/^fig4 /m); // the table is this invocation's

    const report = readFileSync(join(cwd, 'out', 'REPORT.md'), 'utf8');
    // Both figures, in the paper's order, each with its claims and its plots.
    expect(report.indexOf('## Figure 3a: independence')).toBeGreaterThan(0);
    expect(report.indexOf('## Figure 4: two moons')).toBeGreaterThan(report.indexOf('## Figure 3a'));
    expect(report).toMatch(/\| test accuracy \| >= 0\.98/);
    expect(report).toMatch(/\| test MSE \| <= 1\.50e-2/);
    // The paper's knock-outs, measured by bimt ablate's code on each figure's trained network.
    expect(report).toMatch(/\| knocking out each module \(mean ablation\)[^\n]*\| own >= x10, other <= x1\.5 \| module 1: own x\d+, other x[\d.]+; module 2: own x\d+, other x[\d.]+ \| pass \|/);
    expect(report).toMatch(/\| the circuit alone \(keep-only its modules' neurons\) keeps the test accuracy \| drop <= 0\.005 \|[^\n]*\| pass \|/);
    for (const [, img] of report.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)) expect(existsSync(join(cwd, 'out', img))).toBe(true);
    expect(report).toMatch(/\]\(fig4\/plots\/curves\.svg\)/);
    expect(report).toMatch(/\]\(fig3a\/plots\/curves\.svg\)/);
    // Both figures train on the host engine (small networks) and are evaluated on a tfjs backend:
    // the report names each, where it used to say only the backend, as if that had trained them.
    const meta = JSON.parse(readFileSync(join(cwd, 'out', 'fig4', 'meta.json'), 'utf8')) as { engine: string; backend: string };
    expect(meta.engine).toBe('host');
    expect(report).toContain(`Trained with the host engine; pruned and evaluated on ${meta.backend}. Overall:`);
    expect(report).toContain(`run \`fig4\`, trained with the host engine, pruned and evaluated on ${meta.backend}, `);

    const again = bimt('reproduce', 'fig4', '--out', 'out');
    expect(again.status).toBe(2);
    expect(again.stderr.trim().split('\n')).toEqual(['bimt: out/fig4 already exists: fig4 was reproduced into out before; remove it or give another --out']);
    expect(again.stderr).not.toMatch(/--name/);
    expect(readFileSync(join(cwd, 'out', 'REPORT.md'), 'utf8')).toBe(report);
    expect(readdirSync(join(cwd, 'out')).sort()).toEqual(['REPORT.md', 'fig3a', 'fig4']);
  }, 600_000);

  it('stops on Ctrl-C like a training run: exit 130, one line saying how to continue', async () => {
    const { code, stderr } = await interruptOnceTraining(['fig3a', '--out', 'stopped']);
    expect(code, stderr).toBe(130);
    const last = stderr.trim().split('\n').at(-1);
    expect(last).toMatch(/^bimt: fig3a: interrupted; continue its training with: node \S+\/bin\/bimt\.js train --resume .*stopped\/fig3a$/);
    expect(stderr).not.toMatch(/internal error|\n\s+at /);
  });

  it('stops a figure of several runs on Ctrl-C the same way, naming the run to continue', async () => {
    const { code, stderr } = await interruptOnceTraining(['fig3-ablation', '--out', 'stopped-runs']);
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/^fig3-ablation\/no-penalty-s0 \(1 of 40\): training configs\/independence-no-penalty\.yaml --set seed=0 /m);
    const last = stderr.trim().split('\n').at(-1);
    expect(last).toMatch(/^bimt: fig3-ablation\/no-penalty-s0: interrupted; continue its training with: node \S+\/bin\/bimt\.js train --resume .*stopped-runs\/fig3-ablation\/no-penalty-s0$/);
    expect(readdirSync(join(cwd, 'stopped-runs', 'fig3-ablation'))).toEqual(['no-penalty-s0']);
  });

  it('says what --out is in its help', () => {
    const help = bimt('reproduce', '--help');
    expect(help.stdout.replace(/\s+/g, ' ')).toMatch(/--out <dir> directory of REPORT\.md and of one run directory per figure/);
  });
});

describe('REPORT.md', () => {
  it('is written from every figure recorded in the directory, in the paper order; a bad record is named', () => {
    const out = mkdtempSync(join(tmpdir(), 'bimt-report-'));
    for (const id of ['fig5', 'fig3b', 'fig4']) mkdirSync(join(out, id));
    const claim = (pass: boolean) => ({ claim: 'test accuracy', reference: '>= 0.99', measured: pass ? '1.00' : '0.50', pass });
    saveRecord(out, { figure: 'fig5', backend: 'cpu', trained: 'tfjs on cpu', seconds: 150, claims: [claim(true)], plots: ['plots/curves.svg'] });
    saveRecord(out, { figure: 'fig3b', backend: 'wasm', trained: 'the host engine', seconds: 3, claims: [claim(true)], plots: [] });
    writeFileSync(join(out, 'fig4', 'reproduce.json'), '{"figure": "fig4"}');
    const report = readFileSync(writeReport(out), 'utf8');
    expect(report).toMatch(/Trained with the host engine, tfjs on cpu; pruned and evaluated on wasm, cpu\. Overall: \*\*some claims FAIL\*\*/);
    const order = ['## Figure 3b', '## Figure 4', '## Figure 5'].map((h) => report.indexOf(h));
    expect(order.every((i, k) => i > 0 && (k === 0 || i > order[k - 1]))).toBe(true);
    expect(report).toMatch(/fig4\/reproduce\.json cannot be read \(not a record written by bimt reproduce\)/);
    expect(report).toMatch(/run `fig5`, trained with tfjs on cpu, pruned and evaluated on cpu, 150 s/);
    expect(report).toMatch(/\]\(fig5\/plots\/curves\.svg\)/);
    expect(report).not.toMatch(/Figure 3a|Figure 3c/);
  });
});
