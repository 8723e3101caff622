// `bimt view` in a real browser (docs/design.md, "View"): Debian's chromium, driven headless by
// playwright-core with its executable path (nothing downloads a browser), opens the pages of a
// short two-moons run, a short modular-addition run, a short MNIST run on 2-D layers and a small
// sweep from file://. What the page
// draws at a step and threshold is checked against src/bimt/graph.ts run here in Node on the same
// checkpoint, the tooltip against the neuron's own label, and there must be no console errors.
import { cpSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inputLabel, networkGraph } from '../src/bimt/graph.js';
import { SKIP_BELOW } from '../src/plot/edge-style.js';
import { networkSvg } from '../src/plot/network.js';
import { openCheckpoint } from '../src/runs/open.js';
import { MAX_DRAWN } from '../src/view/data.js';
import { runBimt } from './cli-run.js';

const CHROMIUM = '/usr/bin/chromium';
const installed = existsSync(CHROMIUM);
const why = `Debian's chromium is not installed at ${CHROMIUM} (.ci/run installs it)`;
const MAX_PAGE_BYTES = 5_000_000;
/** The two-moons run's output.prune_threshold; its snapshot_threshold stays 0.01. */
const PRUNE = 0.03;

/** Writes the page of `target` with `bimt view` and returns its path (the last line it prints). */
async function view(target: string): Promise<string> {
  const r = await runBimt(['view', target]);
  expect(r.status, r.stderr).toBe(0);
  const page = r.stdout.trim().split('\n').pop()!;
  expect(existsSync(page)).toBe(true);
  expect(statSync(page).size).toBeLessThan(MAX_PAGE_BYTES);
  return page;
}

/** Opens a page from disk, collecting console errors and uncaught exceptions into `errors`. */
async function open(browser: Browser, file: string, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1500, height: 950 } });
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('#network[data-edges]', { state: 'attached' });
  return page;
}

/** Moves a range input to `value` as a user's drag does (an input event). */
async function slide(page: Page, id: string, value: number): Promise<void> {
  await page.$eval(`#${id}`, (e, v) => {
    (e as unknown as { value: string }).value = String(v);
    e.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
}

/** What the page drew: its step and threshold, the edges and the modules its neurons are tinted by. */
async function drawn(page: Page): Promise<{ step: number; threshold: number; edges: number; modules: number }> {
  const attr = async (name: string) => Number(await page.getAttribute('#network', name));
  const modules = await page.$$eval('#network circle.neuron[data-module]', (cs) => new Set(cs.map((c) => c.getAttribute('data-module'))).size);
  const edges = await page.$$eval('#network line.edge', (ls) => ls.length);
  return { step: await attr('data-step'), threshold: await attr('data-threshold'), edges, modules };
}

/** A run's checkpoint, opened once (opening an MNIST run loads its digits, about 1.5 s). */
const opened = new Map<string, ReturnType<typeof openCheckpoint>>();
function checkpointOf(run: string, step: number): ReturnType<typeof openCheckpoint> {
  const key = `${run}@${step}`;
  if (!opened.has(key)) opened.set(key, openCheckpoint(run, step));
  return opened.get(key)!;
}

/**
 * The same checkpoint and threshold through bimt's own graph code: its modules, and its edges
 * less those the still picture leaves out too (under SKIP_BELOW of their layer's largest |w|), at
 * most the page's MAX_DRAWN.
 */
function expected(run: string, step: number, threshold: number): { edges: number; modules: number } {
  const { checkpoint, labels } = checkpointOf(run, step);
  const g = networkGraph(checkpoint.net, labels, threshold);
  const largest = new Map<number, number>();
  for (const e of g.edges) largest.set(e.layer, Math.max(largest.get(e.layer) ?? 0, Math.abs(e.weight)));
  const edges = g.edges.filter((e) => Math.abs(e.weight) >= SKIP_BELOW * largest.get(e.layer)!).length;
  return { edges: Math.min(edges, MAX_DRAWN), modules: threshold > 0 ? g.modules.length : 0 };
}

describe.skipIf(!installed)('bimt view in chromium', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bimt-view-'));
  const moons = join(dir, 'moons');
  const modadd = join(dir, 'modadd');
  const grids = join(dir, 'grids');
  const sweep = join(dir, 'sweep');
  const shots = join(dir, 'shots');
  let browser: Browser;

  beforeAll(async () => {
    const trains = await Promise.all([
      // prune_threshold differs from snapshot_threshold (0.01): the page must open at the former.
      runBimt(['train', 'configs/two-moons.yaml', '--set', 'train.steps=1000', '--set', 'output.checkpoint_every=100', '--set', `output.prune_threshold=${PRUNE}`, '--runs-dir', dir, '--name', 'moons']),
      runBimt(['train', 'configs/modular-addition.yaml', '--set', 'train.steps=400', '--set', 'output.checkpoint_every=100', '--set', 'output.eval_every=100', '--runs-dir', dir, '--name', 'modadd']),
      // MNIST's 28x28 pixel grid and ring of digits, with 4x4 hidden grids to stay quick.
      runBimt(['train', 'configs/mnist.yaml', '--set', 'train.steps=200', '--set', 'output.checkpoint_every=100', '--set', 'output.eval_every=100', '--set', 'task.n_train=1000',
        '--set', 'model.widths=[784,16,16,10]', '--set', 'model.geometry=[grid 28x28, grid 4x4, grid 4x4, ring]', '--runs-dir', dir, '--name', 'grids']),
      runBimt(['sweep', 'configs/two-moons.yaml', '--grid', 'lambda.initial=1e-3,1e-2', '--set', 'train.steps=300', '--set', 'output.checkpoint_every=100', '--runs-dir', dir, '--name', 'sweep', '--jobs', '2']),
    ]);
    for (const t of trains) expect(t.status, t.stderr).toBe(0);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('draws a two-moons run as bimt computes it at every step and threshold moved to', async () => {
    const errors: string[] = [];
    const file = await view(moons);
    expect(file).toBe(join(moons, 'view.html'));
    const page = await open(browser, file, errors);
    // It opens on the last checkpoint at the run's prune threshold, not its snapshot threshold.
    const first = await drawn(page);
    expect(first.step).toBe(1000);
    expect(first.threshold).toBe(PRUNE);
    expect(first).toMatchObject(expected(moons, 1000, PRUNE));
    // The stats line keeps the two meanings of module apart, as bimt prune does.
    const g = networkGraph(checkpointOf(moons, 1000).checkpoint.net, checkpointOf(moons, 1000).labels, PRUNE);
    const stats = await page.textContent('#stats');
    expect(stats).toContain(`, ${g.modules.length} module${g.modules.length === 1 ? '' : 's'} (connected components), ${g.communities} Louvain communit`);
    expect(stats).toContain(`(modularity Q ${g.modularity.toFixed(3)})`);

    // The threshold slider spans three decades on a log scale: 0, then 1/1000 of the run's
    // largest |w| up to it, and starts where the prune threshold lies on that scale.
    let maxAbs = 0;
    for (let step = 0; step <= 1000; step += 100) {
      const { net } = checkpointOf(moons, step).checkpoint;
      for (const l of net.graph.links) if (l.weight) for (const w of net.params.get(l.weight)!) maxAbs = Math.max(maxAbs, Math.abs(w));
    }
    const top = Number(await page.getAttribute('#threshold', 'max'));
    expect(Number(await page.$eval('#threshold', (e) => (e as unknown as { value: string }).value))).toBe(Math.round(top * (1 + Math.log10(PRUNE / maxAbs) / 3)));
    await slide(page, 'threshold', top);
    expect((await drawn(page)).threshold / maxAbs).toBeCloseTo(1, 12);
    await slide(page, 'threshold', 1);
    expect(Math.log10((await drawn(page)).threshold / maxAbs)).toBeCloseTo(-3 * (1 - 1 / top), 9);

    const seen = new Set<number>();
    for (const [step, slider] of [[0, 0], [3, 400], [5, 700], [10, 850], [10, 0], [2, 1000]] as const) {
      await slide(page, 'step', step);
      await slide(page, 'threshold', slider);
      const d = await drawn(page);
      expect(d.step).toBe(step * 100);
      expect(slider === 0 ? d.threshold === 0 : d.threshold > 0).toBe(true);
      expect(d, `step ${d.step}, threshold ${d.threshold}`).toMatchObject(expected(moons, d.step, d.threshold));
      seen.add(d.edges);
    }
    // The sliders change what is drawn, not just the numbers beside them.
    expect(seen.size).toBeGreaterThan(2);

    // A neuron's tooltip names it, its layer and its module.
    await slide(page, 'step', 10);
    await slide(page, 'threshold', 700);
    const { checkpoint, labels } = openCheckpoint(moons, 1000);
    await page.hover('#network circle.neuron[data-s="0"][data-n="0"]');
    const tip = await page.textContent('#tooltip');
    expect(tip).toContain(inputLabel(checkpoint.net, labels, 0));
    expect(tip).toContain('layer: input');
    expect(tip).toMatch(/module: (\d+ of \d+|none)/);
    expect(await page.isVisible('#tooltip')).toBe(true);
    // An edge's tooltip gives its weight.
    await page.hover('#network line.edge >> nth=-1', { force: true });
    expect(await page.textContent('#tooltip')).toMatch(/^weight -?\d/);

    // Clicking a connected input highlights the paths through it; clicking it again clears them.
    const connected = await page.$('#network circle.neuron[data-s="0"][data-module]');
    expect(connected).not.toBeNull();
    await connected!.click();
    expect(Number(await page.getAttribute('#network', 'data-highlighted'))).toBeGreaterThan(0);
    await connected!.click();
    expect(await page.getAttribute('#network', 'data-highlighted')).toBeNull();

    // The curves carry a marker at the current step in every panel, and lambda's phase line.
    const panels = await page.$$eval('#curves g.panel', (ps) => ps.length);
    expect(panels).toBeGreaterThan(2);
    expect(await page.$$eval('#curves line.step-marker', (ls) => ls.length)).toBe(panels);
    expect(await page.$$eval('#curves line.phase', (ls) => ls.length)).toBeGreaterThan(0);
    // The decision boundary of the current checkpoint.
    await page.waitForSelector('#task[data-step="1000"] svg');

    const shot = join(shots, 'moons.png');
    await page.screenshot({ path: shot });
    expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('draws a modular-addition run, both folds of its inputs, within the size budget', async () => {
    const errors: string[] = [];
    const file = await view(modadd);
    const page = await open(browser, file, errors);
    for (const [step, slider] of [[4, 0], [4, 600], [2, 800]] as const) {
      await slide(page, 'step', step);
      await slide(page, 'threshold', slider);
      const d = await drawn(page);
      expect(d, `step ${d.step}, threshold ${d.threshold}`).toMatchObject(expected(modadd, d.step, d.threshold));
    }
    // Every input neuron of both folds is drawn and labelled "·1" / "·2".
    const { checkpoint } = openCheckpoint(modadd, 400);
    const inputs = checkpoint.net.inPerm.length * 2;
    expect(await page.$$eval('#network circle.neuron[data-s="0"]', (c) => c.length)).toBe(inputs);
    const labels = await page.$$eval('#network g.labels text', (t) => t.map((x) => x.textContent ?? ''));
    expect(labels.filter((l) => l.endsWith('·2'))).toHaveLength(inputs / 2);
    await page.waitForSelector('#task svg');
    await page.screenshot({ path: join(shots, 'modadd.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('draws a network of 2-D layers on the planes of bimt plot, edges and modules as bimt computes them', async () => {
    const errors: string[] = [];
    const file = await view(grids);
    const page = await open(browser, file, errors);
    // One plane per layer, named as in the still picture.
    expect(await page.$$eval('#network polygon.plane', (p) => p.length)).toBe(4);
    const names = await page.$$eval('#network text.stage-name', (t) => t.map((x) => x.textContent));
    expect(names).toEqual(['input · grid 28x28', 'hidden1 · grid 4x4', 'hidden2 · grid 4x4', 'output · ring']);

    // Every weight drawn: each neuron where the still picture has it, up to one shift of the whole.
    await slide(page, 'threshold', 0);
    const { checkpoint, labels } = checkpointOf(grids, 200);
    const still = [...networkSvg(checkpoint.net, labels).matchAll(/<circle cx="([-\d.]+)" cy="([-\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    const drawnAt = await page.$$eval('#network circle.neuron', (cs) => cs.map((c) => [Number(c.getAttribute('cx')), Number(c.getAttribute('cy'))]));
    expect(drawnAt).toHaveLength(784 + 16 + 16 + 10);
    expect(still).toHaveLength(drawnAt.length);
    const [dx, dy] = [drawnAt[0]![0]! - still[0]![0]!, drawnAt[0]![1]! - still[0]![1]!];
    for (let k = 0; k < still.length; k++) {
      expect(drawnAt[k]![0]! - still[k]![0]!).toBeCloseTo(dx, 1);
      expect(drawnAt[k]![1]! - still[k]![1]!).toBeCloseTo(dy, 1);
    }
    // The digits are labelled around their ring; the pixels are not.
    expect(await page.$$eval('#network g.labels text:not(.stage-name)', (t) => t.length)).toBe(10);

    // The threshold slider hides edges and unconnected pixels, as bimt's graph says.
    const edges = new Set<number>();
    for (const slider of [0, 600, 750, 900]) {
      await slide(page, 'threshold', slider);
      const d = await drawn(page);
      expect(d, `step ${d.step}, threshold ${d.threshold}`).toMatchObject(expected(grids, d.step, d.threshold));
      const g = networkGraph(checkpointOf(grids, d.step).checkpoint.net, labels, d.threshold);
      const pixels = g.layers[0]!.filter((n) => n.connected).length;
      expect(await page.$$eval('#network circle.neuron[data-s="0"]', (c) => c.length)).toBe(pixels);
      edges.add(d.edges);
    }
    expect(edges.size).toBe(4);
    await page.screenshot({ path: join(shots, 'grids.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('shows an MNIST run\'s confusion matrix and its receptive fields at every checkpoint, as bimt plot draws them', async () => {
    const errors: string[] = [];
    const file = await view(grids);
    const page = await open(browser, file, errors);
    for (const step of [2, 0]) {
      await slide(page, 'step', step);
      await page.waitForSelector(`#task[data-step="${step * 100}"] svg`);
      // The confusion matrix of the checkpoint: its counts are the 9000 test digits.
      const counts = await page.$$eval('#task svg rect.cell', (cs) => cs.map((c) => Number(c.getAttribute('data-count'))));
      expect(counts).toHaveLength(100);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(9000);
      // The receptive fields of the same checkpoint: bimt plot's picture, cell for cell.
      expect(await page.getAttribute('#fields', 'data-step')).toBe(String(step * 100));
      const r = await runBimt(['plot', grids, '--kind', 'fields', '--step', String(step * 100), '--out', join(dir, `fields-${step}.svg`)]);
      expect(r.status, r.stderr).toBe(0);
      const still = readFileSync(join(dir, `fields-${step}.svg`), 'utf8');
      const cells = [...still.matchAll(/<g class="field">(.*?)<\/g>/g)].map((g) => [...g[1]!.matchAll(/<path d="([^"]+)" fill="([^"]+)"/g)].map((m) => [m[1], m[2]]));
      expect(cells).toHaveLength(16);
      expect(cells.every((c) => c.length > 0)).toBe(true);
      const onPage = await page.$$eval('#fields g.field', (gs) => gs.map((g) => [...g.querySelectorAll('path')].map((c) => [c.getAttribute('d'), c.getAttribute('fill')])));
      expect(onPage).toEqual(cells);
      expect(await page.textContent('#fields svg')).toContain(`grids · step ${step * 100} · receptive fields`);
    }
    await page.screenshot({ path: join(shots, 'grids-task.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('shows a sweep as a sortable compare table linking each run page, and the compare plot', async () => {
    const errors: string[] = [];
    const r = await runBimt(['view', sweep]);
    expect(r.status, r.stderr).toBe(0);
    const file = r.stdout.trim().split('\n').pop()!;
    expect(file).toBe(join(sweep, 'view.html'));
    const page = await browser.newPage();
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('#table tbody tr');
    expect(await page.$$eval('#table tbody tr', (rows) => rows.length)).toBe(2);
    // Each row's run name links to that run's page, written beside the run.
    const hrefs = await page.$$eval('#table tbody a', (as) => as.map((a) => a.getAttribute('href')!));
    expect(hrefs).toHaveLength(2);
    for (const h of hrefs) expect(existsSync(join(dirname(file), h))).toBe(true);
    // Sorting by the swept key, twice: ascending, then descending.
    const column = await page.$$eval('#table th', (ths) => ths.findIndex((t) => t.textContent === 'lambda.initial'));
    expect(column).toBeGreaterThan(0);
    const cells = () => page.$$eval(`#table tbody tr td:nth-child(${column + 1})`, (tds) => tds.map((t) => Number(t.textContent)));
    await page.click(`#table th >> nth=${column}`);
    expect(await cells()).toEqual([0.001, 0.01]);
    await page.click(`#table th >> nth=${column}`);
    expect(await cells()).toEqual([0.01, 0.001]);
    expect(await page.$$eval('#plot svg', (s) => s.length)).toBe(1);
    // A run's page opens from the link.
    await page.click('#table tbody a >> nth=0');
    await page.waitForSelector('#network[data-edges]', { state: 'attached' });
    await page.screenshot({ path: join(shots, 'sweep-run.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it("links a run whose directory name is a javascript: URL to the run's page, running nothing", async () => {
    // A run directory named as a script: its row links to the file, "./" and percent-encoded.
    const name = "javascript:console.error('ran');document.title='pwned';%2F%2F";
    const hostile = join(dir, 'hostile');
    cpSync(join(sweep, 'p00-initial0.001'), join(hostile, name), { recursive: true });
    const r = await runBimt(['view', hostile]);
    expect(r.status, r.stderr).toBe(0);
    const errors: string[] = [];
    const page = await browser.newPage();
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(join(hostile, 'view.html')).href);
    const link = page.locator('#table tbody a');
    expect(await link.textContent()).toBe(name);
    expect(await link.getAttribute('href')).toBe(`./${encodeURIComponent(name)}/view.html`);
    // The click opens that run's page; the name's script never runs.
    const target = join(hostile, name, 'view.html');
    const opened = page.waitForURL((u) => u.protocol === 'file:' && decodeURIComponent(u.pathname) === target).then(() => 'opened the page');
    const ran = page.waitForEvent('console', { predicate: (m) => m.text() === 'ran', timeout: 0 }).then(() => 'ran the script', () => 'closed');
    await link.click();
    expect(await Promise.race([opened, ran])).toBe('opened the page');
    await page.waitForSelector('#network[data-edges]', { state: 'attached' });
    expect(await page.title()).not.toBe('pwned');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});

if (!installed) {
  describe('bimt view in chromium', () => {
    it.skip(`is not tested here: ${why}`, () => {});
  });
}
